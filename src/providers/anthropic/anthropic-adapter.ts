// The Anthropic Messages protocol: `x-api-key` auth, SSE with named events, its own error envelope.
import { prepareRoutedRequest, summarizeStandardResponse } from "../json-protocol.ts";
import type { ProviderAdapter } from "../provider-adapter.ts";
import { summarizeJsonRequest } from "../request-summary.ts";
import { parseAnthropicError, renderAnthropicError, renderAnthropicStreamError } from "./anthropic-errors.ts";
import { anthropicOperation } from "./anthropic-operation.ts";
import { readAnthropicRateLimits } from "./anthropic-rate-limits.ts";
import { anthropicResponseToStandard, createAnthropicDecoder } from "./anthropic-to-standard.ts";

export const anthropicAdapter: ProviderAdapter = {
  protocol: "anthropic",
  dialect: "anthropic",
  chatPath: "/v1/messages",
  genAiOperation: anthropicOperation,
  summarizeRequest: (body) => summarizeJsonRequest(body),
  // OAuth-style tokens travel as Bearer; API keys as x-api-key. The client's anthropic-version
  // and anthropic-beta pass through untouched.
  prepare: (exchange, credential) => prepareRoutedRequest(exchange, credential, "x-api-key"),
  decoderFor: (contentType, use) => createAnthropicDecoder(contentType, use),
  summarizeResponse: (body) => summarizeStandardResponse(anthropicResponseToStandard(body)),
  parseError: parseAnthropicError,
  readRateLimits: (headers) => readAnthropicRateLimits(headers),
  renderError: renderAnthropicError,
  renderStreamError: renderAnthropicStreamError,
};
