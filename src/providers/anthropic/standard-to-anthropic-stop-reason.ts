// Standard finish reason → Anthropic `stop_reason`, keeping the raw value when it already is one.
import type { StandardFinishReason } from "../../schema/standard-usage.ts";

const anthropicStopReasons = new Set([
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
]);

const byFinishReason: Record<StandardFinishReason, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  // A provider's content filter stopping the answer is the nearest thing to Claude declining it.
  content_filter: "refusal",
  refusal: "refusal",
  error: "end_turn",
  other: "end_turn",
};

export function standardToAnthropicStopReason(
  finishReason: StandardFinishReason | undefined,
  raw: string | undefined,
): string {
  if (raw !== undefined && anthropicStopReasons.has(raw)) return raw;
  return byFinishReason[finishReason ?? "stop"];
}
