// Folds standard events into the exchange's observation: model, id, usage, finish reason, first token.
import type { Observation, Timings } from "../pipeline/exchange.ts";
import { isContentEvent, type StandardStreamEvent } from "../schema/standard-event.ts";
import { mergeStandardUsage, type StandardUsage } from "../schema/standard-usage.ts";

/** Later reports win per field (mergeStandardUsage): Anthropic's message_delta restates input tokens, OpenAI's trailer is final. */
function mergeUsage(observed: Observation, update: StandardUsage | undefined): void {
  if (update !== undefined) observed.usage = mergeStandardUsage(observed.usage, update);
}

export function recordEvent(
  observed: Observation,
  timings: Timings,
  event: StandardStreamEvent,
  now: number,
): void {
  if (isContentEvent(event)) {
    timings.firstToken ??= now;
    return;
  }
  switch (event.type) {
    case "response-start":
      if (event.id !== undefined) observed.responseId = event.id;
      if (event.model !== undefined) observed.responseModel = event.model;
      mergeUsage(observed, event.usage);
      return;
    case "usage":
      mergeUsage(observed, event.usage);
      return;
    case "response-end":
      if (event.finishReason !== undefined) observed.finishReason = event.finishReason;
      if (event.rawFinishReason !== undefined) observed.rawFinishReason = event.rawFinishReason;
      mergeUsage(observed, event.usage);
      return;
    case "error":
      observed.errorType = event.errorType;
      return;
    default:
      return;
  }
}
