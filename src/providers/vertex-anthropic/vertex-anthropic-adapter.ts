// Claude on Vertex AI: the Anthropic dialect to the client, rawPredict/streamRawPredict with a Google bearer token upstream.
import type { Credential } from "../../credentials/credential.ts";
import { ProxyError } from "../../errors/proxy-error.ts";
import { type Exchange, upstreamRequestBody } from "../../pipeline/exchange.ts";
import { anthropicAdapter } from "../anthropic/anthropic-adapter.ts";
import type { ProviderAdapter, UpstreamRequest } from "../provider-adapter.ts";
import { upstreamHeaders } from "../upstream-headers.ts";
import { parseVertexAnthropicError } from "./vertex-anthropic-errors.ts";
import { vertexAnthropicRequest } from "./vertex-anthropic-request.ts";

function bearerCredential(credential: Credential | undefined, providerId: string): Credential {
  if (credential === undefined) {
    throw new ProxyError(
      "credential_missing",
      `Provider '${providerId}' has no credential; Vertex AI needs a bearer token.`,
    );
  }
  if (credential.kind !== "token") {
    throw new ProxyError(
      "credential_missing",
      `Provider '${providerId}' has AWS keys; Vertex AI needs an oauth2 token.`,
    );
  }
  return credential;
}

export const vertexAnthropicAdapter: ProviderAdapter = {
  protocol: "vertex-anthropic",
  dialect: "anthropic",
  // The client-facing path is the Anthropic Messages API; prepare() maps it to the cloud's own endpoint.
  chatPath: "/v1/messages",
  genAiOperation: (path) => anthropicAdapter.genAiOperation(path),
  summarizeRequest: (body, headers) => anthropicAdapter.summarizeRequest(body, headers),
  prepare(exchange: Exchange, credential: Credential | undefined): UpstreamRequest {
    const provider = exchange.route?.provider;
    const location = provider?.config.vertex;
    if (provider === undefined || location === undefined) {
      throw new ProxyError(
        "internal",
        "A vertex-anthropic provider needs `vertex: { project, region }` in its config.",
      );
    }
    const upstreamPath = exchange.route?.upstreamPath ?? exchange.request.path + exchange.request.search;
    const request = vertexAnthropicRequest(upstreamPath, upstreamRequestBody(exchange), location);
    const headers = upstreamHeaders(
      exchange.request.headers,
      bearerCredential(credential, provider.id),
      "authorization",
    );
    // Vertex reads the version from the body; the SDK's header would only be noise.
    delete headers["anthropic-version"];
    headers["content-type"] = "application/json";
    return { method: "POST", path: request.path, headers, body: request.body };
  },
  decoderFor: (contentType, use) => anthropicAdapter.decoderFor(contentType, use),
  summarizeResponse: (body) => anthropicAdapter.summarizeResponse(body),
  parseError: parseVertexAnthropicError,
  renderUpstreamErrors: true,
  readRateLimits: (headers, now) => anthropicAdapter.readRateLimits(headers, now),
  renderError: (error) => anthropicAdapter.renderError(error),
  renderStreamError: (error) => anthropicAdapter.renderStreamError(error),
};
