// Error conversion: an upstream error (status + body) in one dialect → status + body the client's SDK parses.
import type { IncomingHttpHeaders } from "node:http";
import { anthropicErrorToStandard } from "../providers/anthropic/anthropic-to-standard.ts";
import {
  type StandardErrorDescription,
  standardToAnthropicError,
} from "../providers/anthropic/standard-to-anthropic-error.ts";
import { parseOpenAIErrorBody } from "../providers/openai/openai-api.ts";
import { openaiErrorToStandard } from "../providers/openai/openai-error-to-standard.ts";
import { standardToOpenAIError } from "../providers/openai/standard-to-openai-error.ts";
import type { Dialect, RenderedError } from "../providers/provider-adapter.ts";

export interface UpstreamErrorResponse {
  readonly status: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: Uint8Array | string;
}

/** Retry advice survives the conversion: SDKs of both dialects honour these headers. */
const keptHeaders = ["retry-after", "retry-after-ms", "x-should-retry"];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads an upstream error body of `dialect` into the dialect-neutral description; never throws. */
export function readStandardError(
  dialect: Dialect,
  status: number,
  body: Uint8Array | string,
): StandardErrorDescription {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const parsed = parseJson(text);
  const event = dialect === "anthropic" ? anthropicErrorToStandard(parsed) : openaiErrorToStandard(parsed);
  const code = dialect === "openai" ? parseOpenAIErrorBody(parsed)?.error.code : undefined;
  return {
    // A body that is not the dialect's error (a load balancer's HTML page) still gets a status-based type.
    errorType: event?.errorType ?? "",
    message: event?.message ?? `The upstream answered ${status}.`,
    status,
    ...(typeof code === "string" ? { code } : {}),
  };
}

/** `from` (upstream) error → `to` (client) error. Same dialect: status and body unchanged. */
export function convertError(from: Dialect, to: Dialect, upstream: UpstreamErrorResponse): RenderedError {
  const headers: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = upstream.headers?.[name];
    if (typeof value === "string") headers[name] = value;
  }
  if (from === to) {
    const body =
      typeof upstream.body === "string" ? upstream.body : Buffer.from(upstream.body).toString("utf8");
    return { status: upstream.status, headers: { ...headers, "content-type": "application/json" }, body };
  }
  const error = readStandardError(from, upstream.status, upstream.body);
  const rendered = to === "anthropic" ? standardToAnthropicError(error) : standardToOpenAIError(error);
  return { ...rendered, headers: { ...headers, ...rendered.headers } };
}
