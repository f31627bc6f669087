// Non-streaming response conversion: an upstream JSON body in one dialect → the client's dialect.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import type { StandardResponse } from "../schema/standard-response.ts";
import {
  dialectResponseToStandard,
  type EncoderOptions,
  standardToDialectResponse,
} from "./dialect-codecs.ts";

export interface ConvertResponseOptions extends EncoderOptions {
  /** Provider id recorded on the standard response. */
  readonly provider?: string;
}

/** Reads an upstream body into a standard response; a 502 when it is not a `dialect` response. */
export function readStandardResponse(
  dialect: Dialect,
  body: Uint8Array | string,
  provider?: string,
): StandardResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch {
    throw new ProxyError("upstream_error", `The ${dialect} upstream answered with a body that is not JSON.`);
  }
  const response = dialectResponseToStandard(dialect, parsed, provider);
  if (response === undefined) {
    throw new ProxyError(
      "upstream_error",
      `The ${dialect} upstream answered with a body that is not a response.`,
    );
  }
  return response;
}

/** `from` (upstream) JSON body → `to` (client) JSON body. Same dialect: unchanged. */
export function convertResponse(
  from: Dialect,
  to: Dialect,
  body: Uint8Array | string,
  options: ConvertResponseOptions = {},
): Buffer {
  if (from === to) return Buffer.from(body);
  const response = readStandardResponse(from, body, options.provider);
  return Buffer.from(JSON.stringify(standardToDialectResponse(to, response, options)));
}
