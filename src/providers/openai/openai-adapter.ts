// The OpenAI Chat Completions protocol, also spoken by DeepSeek and other OpenAI-compatible providers.
import type { Credential } from "../../credentials/credential.ts";
import { type Exchange, upstreamRequestBody } from "../../pipeline/exchange.ts";
import type { ProviderAdapter, ResponseSummary, UpstreamRequest } from "../provider-adapter.ts";
import { summarizeJsonRequest } from "../request-summary.ts";
import { upstreamHeaders } from "../upstream-headers.ts";
import { parseOpenAIError, renderOpenAIError, renderOpenAIStreamError } from "./openai-errors.ts";
import { readOpenAIRateLimits } from "./openai-rate-limits.ts";
import { createOpenAIDecoder, openaiResponseToStandard } from "./openai-to-standard.ts";

export const openaiAdapter: ProviderAdapter = {
  protocol: "openai",
  dialect: "openai",
  chatPath: "/v1/chat/completions",
  summarizeRequest: (body) => summarizeJsonRequest(body),
  prepare(exchange: Exchange, credential: Credential | undefined): UpstreamRequest {
    return {
      method: exchange.request.method,
      path: exchange.route?.upstreamPath ?? exchange.request.path + exchange.request.search,
      headers: upstreamHeaders(exchange.request.headers, credential, "authorization"),
      body: upstreamRequestBody(exchange).length === 0 ? undefined : upstreamRequestBody(exchange),
    };
  },
  decoderFor: (contentType) => createOpenAIDecoder(contentType),
  summarizeResponse(body: unknown): ResponseSummary {
    const response = openaiResponseToStandard(body);
    if (response === undefined) return { usage: {} };
    return {
      ...(response.id === undefined ? {} : { id: response.id }),
      ...(response.model === undefined ? {} : { model: response.model }),
      usage: response.usage,
      ...(response.finishReason === undefined ? {} : { finishReason: response.finishReason }),
      ...(response.rawFinishReason === undefined ? {} : { rawFinishReason: response.rawFinishReason }),
    };
  },
  parseError: parseOpenAIError,
  readRateLimits: readOpenAIRateLimits,
  renderError: renderOpenAIError,
  renderStreamError: renderOpenAIStreamError,
};
