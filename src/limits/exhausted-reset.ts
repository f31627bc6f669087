// When a provider's reported limits open again: the latest reset among the dimensions with nothing remaining.
import type { RateLimitState } from "../providers/provider-adapter.ts";

/**
 * Epoch ms, or undefined when no dimension is at zero with a reset. Past resets are returned as they are:
 * the retry delay reads one as "no wait", a pause as "nothing to pause".
 */
export function latestExhaustedReset(state: RateLimitState): number | undefined {
  let latest: number | undefined;
  for (const dimension in state) {
    const { remaining, resetAt } = state[dimension]!;
    if (remaining === 0 && resetAt !== undefined) latest = Math.max(latest ?? resetAt, resetAt);
  }
  return latest;
}
