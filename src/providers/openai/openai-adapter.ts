// The OpenAI Chat Completions protocol, also spoken by DeepSeek and other OpenAI-compatible providers.
import { prepareRoutedRequest, summarizeStandardResponse } from "../json-protocol.ts";
import type { ProviderAdapter } from "../provider-adapter.ts";
import { summarizeJsonRequest } from "../request-summary.ts";
import { parseOpenAIError, renderOpenAIError, renderOpenAIStreamError } from "./openai-errors.ts";
import { openaiOperation } from "./openai-operation.ts";
import { readOpenAIRateLimits } from "./openai-rate-limits.ts";
import { createOpenAIDecoder, openaiResponseToStandard } from "./openai-to-standard.ts";

export const openaiAdapter: ProviderAdapter = {
  protocol: "openai",
  dialect: "openai",
  chatPath: "/v1/chat/completions",
  genAiOperation: openaiOperation,
  summarizeRequest: (body) => summarizeJsonRequest(body),
  prepare: (exchange, credential) => prepareRoutedRequest(exchange, credential, "authorization"),
  decoderFor: (contentType, use) => createOpenAIDecoder(contentType, use),
  summarizeResponse: (body) => summarizeStandardResponse(openaiResponseToStandard(body)),
  parseError: parseOpenAIError,
  readRateLimits: readOpenAIRateLimits,
  renderError: renderOpenAIError,
  renderStreamError: renderOpenAIStreamError,
};
