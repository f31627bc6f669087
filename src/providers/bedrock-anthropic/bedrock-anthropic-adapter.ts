// Claude on Bedrock: the Anthropic dialect to the client; InvokeModel signed with SigV4 and eventstream answers upstream.
import type { Credential } from "../../credentials/credential.ts";
import { ProxyError } from "../../errors/proxy-error.ts";
import { type Exchange, upstreamRequestBody } from "../../pipeline/exchange.ts";
import { mediaTypeOf } from "../../streaming/decoder-for.ts";
import { anthropicAdapter } from "../anthropic/anthropic-adapter.ts";
import type { ProviderAdapter, UpstreamRequest } from "../provider-adapter.ts";
import { parseBedrockError } from "./bedrock-anthropic-errors.ts";
import { bedrockAnthropicRequest } from "./bedrock-anthropic-request.ts";
import { signBedrockRequest } from "./bedrock-anthropic-signer.ts";
import { bedrockEventStreamToSse } from "./bedrock-anthropic-stream.ts";

export const bedrockAnthropicAdapter: ProviderAdapter = {
  protocol: "bedrock-anthropic",
  dialect: "anthropic",
  // The client-facing path is the Anthropic Messages API; prepare() maps it to the cloud's own endpoint.
  chatPath: "/v1/messages",
  genAiOperation: (path) => anthropicAdapter.genAiOperation(path),
  summarizeRequest: (body, headers) => anthropicAdapter.summarizeRequest(body, headers),
  async prepare(exchange: Exchange, credential: Credential | undefined): Promise<UpstreamRequest> {
    const provider = exchange.route?.provider;
    if (provider === undefined)
      throw new ProxyError("internal", "bedrock-anthropic prepare() needs a route.");
    if (credential?.kind !== "aws") {
      throw new ProxyError(
        "credential_missing",
        `Provider '${provider.id}' needs an aws credential (access key and secret) to sign Bedrock requests.`,
      );
    }
    const upstreamPath = exchange.route?.upstreamPath ?? exchange.request.path + exchange.request.search;
    const request = bedrockAnthropicRequest(
      upstreamPath,
      upstreamRequestBody(exchange),
      exchange.request.headers,
    );
    // Only what is signed goes upstream: nothing of the client's (its placeholder key included) reaches AWS.
    const headers = await signBedrockRequest(
      {
        method: "POST",
        baseUrl: provider.config.baseUrl,
        path: request.path,
        headers: {
          "content-type": "application/json",
          accept: request.stream ? "application/vnd.amazon.eventstream" : "application/json",
          "accept-encoding": "identity",
        },
        body: request.body,
      },
      credential,
    );
    return { method: "POST", path: request.path, headers, body: request.body };
  },
  translateResponse(contentType) {
    if (mediaTypeOf(contentType) !== "application/vnd.amazon.eventstream") return undefined;
    return { contentType: "text/event-stream; charset=utf-8", translate: bedrockEventStreamToSse };
  },
  decoderFor: (contentType, use) => anthropicAdapter.decoderFor(contentType, use),
  summarizeResponse: (body) => anthropicAdapter.summarizeResponse(body),
  parseError: parseBedrockError,
  renderUpstreamErrors: true,
  readRateLimits: (headers, now) => anthropicAdapter.readRateLimits(headers, now),
  renderError: (error) => anthropicAdapter.renderError(error),
  renderStreamError: (error) => anthropicAdapter.renderStreamError(error),
};
