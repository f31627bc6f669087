// Standard finish reason → Chat Completions `finish_reason`, keeping the raw value when it already is one.
import type { StandardFinishReason } from "../../schema/standard-usage.ts";

const openaiFinishReasons = new Set(["stop", "length", "tool_calls", "content_filter", "function_call"]);

const byFinishReason: Record<StandardFinishReason, string> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  // Chat Completions has no refusal finish: a declined answer is what its content filter reports.
  refusal: "content_filter",
  error: "stop",
  other: "stop",
};

export function standardToOpenAIFinishReason(
  finishReason: StandardFinishReason | undefined,
  raw: string | undefined,
): string {
  if (raw !== undefined && openaiFinishReasons.has(raw)) return raw;
  return byFinishReason[finishReason ?? "stop"];
}
