// Folds standard events into the exchange's observation: model, id, usage, finish reason, first token.
import type { Observation, Timings } from "../pipeline/exchange.ts";
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardUsage } from "../schema/standard-usage.ts";

/** Later reports win per field: Anthropic's message_delta restates input tokens, OpenAI's trailer is final. */
export function mergeUsage(target: StandardUsage, update: StandardUsage | undefined): void {
  if (update === undefined) return;
  if (update.inputTokens !== undefined) target.inputTokens = update.inputTokens;
  if (update.outputTokens !== undefined) target.outputTokens = update.outputTokens;
  if (update.cacheReadTokens !== undefined) target.cacheReadTokens = update.cacheReadTokens;
  if (update.cacheWriteTokens !== undefined) target.cacheWriteTokens = update.cacheWriteTokens;
  if (update.reasoningTokens !== undefined) target.reasoningTokens = update.reasoningTokens;
}

export function recordEvent(
  observed: Observation,
  timings: Timings,
  event: StandardStreamEvent,
  now: number,
): void {
  switch (event.type) {
    case "response-start":
      if (event.id !== undefined) observed.responseId = event.id;
      if (event.model !== undefined) observed.responseModel = event.model;
      mergeUsage(observed.usage, event.usage);
      return;
    case "text-delta":
    case "reasoning-delta":
    case "tool-call-start":
    case "tool-call-delta":
      timings.firstToken ??= now;
      return;
    case "usage":
      mergeUsage(observed.usage, event.usage);
      return;
    case "response-end":
      if (event.finishReason !== undefined) observed.finishReason = event.finishReason;
      if (event.rawFinishReason !== undefined) observed.rawFinishReason = event.rawFinishReason;
      mergeUsage(observed.usage, event.usage);
      return;
    case "error":
      observed.errorType = event.errorType;
      return;
    default:
      return;
  }
}
