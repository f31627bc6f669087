// Token usage and finish reasons in the standard schema (outrigger.v1), shared by responses and stream events.

export interface StandardUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export type StandardFinishReason =
  | "stop"
  | "length"
  | "tool_calls"
  | "content_filter"
  | "refusal"
  | "error"
  | "other";
