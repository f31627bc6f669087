// Standard usage → Anthropic `usage`: Anthropic counts cache reads and writes apart from `input_tokens`.
import type { StandardUsage } from "../../schema/standard-usage.ts";

/** Only the fields the standard usage knows are written; `output_tokens` is required by Anthropic. */
export function standardToAnthropicUsage(usage: StandardUsage): Record<string, unknown> {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    ...(usage.inputTokens === undefined
      ? {}
      : { input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite) }),
    ...(usage.cacheWriteTokens === undefined ? {} : { cache_creation_input_tokens: usage.cacheWriteTokens }),
    ...(usage.cacheReadTokens === undefined ? {} : { cache_read_input_tokens: usage.cacheReadTokens }),
    output_tokens: usage.outputTokens ?? 0,
    ...(usage.reasoningTokens === undefined
      ? {}
      : { output_tokens_details: { thinking_tokens: usage.reasoningTokens } }),
  };
}
