// The Anthropic Messages protocol: `x-api-key` auth, SSE with named events, its own error envelope.
import type { Credential } from "../../credentials/credential.ts";
import { type Exchange, upstreamRequestBody } from "../../pipeline/exchange.ts";
import type { ProviderAdapter, ResponseSummary, UpstreamRequest } from "../provider-adapter.ts";
import { summarizeJsonRequest } from "../request-summary.ts";
import { upstreamHeaders } from "../upstream-headers.ts";
import { parseAnthropicError, renderAnthropicError, renderAnthropicStreamError } from "./anthropic-errors.ts";
import { readAnthropicRateLimits } from "./anthropic-rate-limits.ts";
import { anthropicResponseToStandard, createAnthropicDecoder } from "./anthropic-to-standard.ts";

export const anthropicAdapter: ProviderAdapter = {
  protocol: "anthropic",
  dialect: "anthropic",
  chatPath: "/v1/messages",
  summarizeRequest: (body) => summarizeJsonRequest(body),
  prepare(exchange: Exchange, credential: Credential | undefined): UpstreamRequest {
    return {
      method: exchange.request.method,
      path: exchange.route?.upstreamPath ?? exchange.request.path + exchange.request.search,
      // OAuth-style tokens travel as Bearer; API keys as x-api-key. The client's anthropic-version
      // and anthropic-beta pass through untouched.
      headers: upstreamHeaders(exchange.request.headers, credential, "x-api-key"),
      body: upstreamRequestBody(exchange).length === 0 ? undefined : upstreamRequestBody(exchange),
    };
  },
  decoderFor: (contentType) => createAnthropicDecoder(contentType),
  summarizeResponse(body: unknown): ResponseSummary {
    const response = anthropicResponseToStandard(body);
    if (response === undefined) return { usage: {} };
    return {
      ...(response.id === undefined ? {} : { id: response.id }),
      ...(response.model === undefined ? {} : { model: response.model }),
      usage: response.usage,
      ...(response.finishReason === undefined ? {} : { finishReason: response.finishReason }),
      ...(response.rawFinishReason === undefined ? {} : { rawFinishReason: response.rawFinishReason }),
    };
  },
  parseError: parseAnthropicError,
  readRateLimits: (headers) => readAnthropicRateLimits(headers),
  renderError: renderAnthropicError,
  renderStreamError: renderAnthropicStreamError,
};
