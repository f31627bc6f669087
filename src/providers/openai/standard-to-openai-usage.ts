// Standard usage → Chat Completions `usage`: prompt tokens include cached ones, as the standard counts them.
import type { StandardUsage } from "../../schema/standard-usage.ts";

/** Cache writes have no Chat Completions field; they are already inside `prompt_tokens`. */
export function standardToOpenAIUsage(usage: StandardUsage): Record<string, unknown> {
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(usage.cacheReadTokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cacheReadTokens } }),
    ...(usage.reasoningTokens === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}
