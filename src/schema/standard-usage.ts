// Token usage and finish reasons in the standard schema (outrigger.v1), shared by responses and stream events.

/** Token counts as the provider reported them; a field is absent when the provider did not say. */
export interface StandardUsage {
  /**
   * Every input token, cache reads and writes included: OpenAI `prompt_tokens`; Anthropic
   * `input_tokens + cache_read_input_tokens + cache_creation_input_tokens` (Anthropic counts them apart).
   */
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Reasoning tokens, a part of (or for some providers in addition to) `outputTokens`. */
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

/** Copies the defined fields of `update` over `base`: later reports of usage replace earlier ones. */
export function mergeStandardUsage(base: StandardUsage, update: StandardUsage): StandardUsage {
  const merged: StandardUsage = { ...base };
  if (update.inputTokens !== undefined) merged.inputTokens = update.inputTokens;
  if (update.outputTokens !== undefined) merged.outputTokens = update.outputTokens;
  if (update.cacheReadTokens !== undefined) merged.cacheReadTokens = update.cacheReadTokens;
  if (update.cacheWriteTokens !== undefined) merged.cacheWriteTokens = update.cacheWriteTokens;
  if (update.reasoningTokens !== undefined) merged.reasoningTokens = update.reasoningTokens;
  return merged;
}
