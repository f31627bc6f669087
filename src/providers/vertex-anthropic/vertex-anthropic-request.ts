// Anthropic Messages request → Claude on Vertex AI: the model moves from the body into the rawPredict path.
import { ProxyError } from "../../errors/proxy-error.ts";
import { parseJsonObjectBody } from "../json-protocol.ts";

/** Vertex's spelling of the Messages API version, sent in the body instead of a header. */
export const vertexAnthropicVersion = "vertex-2023-10-16";

export interface VertexLocation {
  readonly project: string;
  readonly region: string;
}

export interface VertexAnthropicRequest {
  readonly path: string;
  readonly body: Buffer;
  readonly stream: boolean;
}

/** `upstreamPath` is what followed the provider prefix, e.g. `/v1/messages?beta=true`. */
export function vertexAnthropicRequest(
  upstreamPath: string,
  body: Buffer,
  location: VertexLocation,
): VertexAnthropicRequest {
  const path = upstreamPath.split("?")[0]?.replace(/\/+$/, "") ?? "";
  const publisher = `/v1/projects/${encodeURIComponent(location.project)}/locations/${encodeURIComponent(location.region)}/publishers/anthropic/models`;
  const record = parseJsonObjectBody(body);
  if (record.anthropic_version === undefined) record.anthropic_version = vertexAnthropicVersion;
  if (path === "/v1/messages/count_tokens") {
    // Vertex counts tokens at a fixed model name and keeps the real model in the body.
    return {
      path: `${publisher}/count-tokens:rawPredict`,
      body: Buffer.from(JSON.stringify(record)),
      stream: false,
    };
  }
  if (path !== "/v1/messages") {
    throw new ProxyError(
      "unknown_route",
      `Claude on Vertex AI serves /v1/messages and /v1/messages/count_tokens, not '${path}'.`,
    );
  }
  const model = record.model;
  if (typeof model !== "string" || model === "") {
    throw new ProxyError("bad_request", "The request body needs a 'model' string.");
  }
  delete record.model;
  const stream = record.stream === true;
  const method = stream ? "streamRawPredict" : "rawPredict";
  return {
    path: `${publisher}/${encodeURIComponent(model)}:${method}`,
    body: Buffer.from(JSON.stringify(record)),
    stream,
  };
}
