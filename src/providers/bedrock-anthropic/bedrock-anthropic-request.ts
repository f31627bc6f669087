// Anthropic Messages request → Claude on Bedrock InvokeModel: model and stream move into the path.
import type { IncomingHttpHeaders } from "node:http";
import { ProxyError } from "../../errors/proxy-error.ts";
import { parseJsonObjectBody } from "../json-protocol.ts";

/** Bedrock's spelling of the Messages API version, sent in the body instead of a header. */
export const bedrockAnthropicVersion = "bedrock-2023-05-31";

export interface BedrockAnthropicRequest {
  readonly path: string;
  readonly body: Buffer;
  readonly stream: boolean;
}

/** `upstreamPath` is what followed the provider prefix, e.g. `/v1/messages?beta=true`. */
export function bedrockAnthropicRequest(
  upstreamPath: string,
  body: Buffer,
  headers: IncomingHttpHeaders,
): BedrockAnthropicRequest {
  const path = upstreamPath.split("?")[0]?.replace(/\/+$/, "") ?? "";
  if (path !== "/v1/messages") {
    throw new ProxyError("unknown_route", `Claude on Bedrock serves /v1/messages, not '${path}'.`);
  }
  const record = parseJsonObjectBody(body);
  const model = record.model;
  if (typeof model !== "string" || model === "") {
    throw new ProxyError("bad_request", "The request body needs a 'model' string.");
  }
  const stream = record.stream === true;
  // Bedrock rejects unknown keys: model and stream are in the path, betas move from the header into the body.
  delete record.model;
  delete record.stream;
  if (record.anthropic_version === undefined) record.anthropic_version = bedrockAnthropicVersion;
  const betaHeader = headers["anthropic-beta"];
  if (record.anthropic_beta === undefined && betaHeader !== undefined) {
    const betas = (Array.isArray(betaHeader) ? betaHeader : [betaHeader])
      .flatMap((value) => value.split(","))
      .map((value) => value.trim())
      .filter((value) => value !== "");
    if (betas.length > 0) record.anthropic_beta = betas;
  }
  return {
    path: `/model/${encodeURIComponent(model)}/${stream ? "invoke-with-response-stream" : "invoke"}`,
    body: Buffer.from(JSON.stringify(record)),
    stream,
  };
}
