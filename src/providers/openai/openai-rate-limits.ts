// Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`; resets are Go-style durations.
import type { IncomingHttpHeaders } from "node:http";
import { parseDuration } from "../../config/duration.ts";
import { firstHeader } from "../../pipeline/header-value.ts";
import type { RateLimitDimension, RateLimitState } from "../provider-adapter.ts";

/** `6m0s`, `1.2s`, `120ms` → milliseconds (Go duration syntax, as the config's); undefined when it is not one. */
function resetDuration(text: string): number | undefined {
  try {
    return parseDuration(text.trim());
  } catch {
    return undefined;
  }
}

/** Header names spelled once: read on every response, a name built per read showed in profiles. */
const dimensions = ["requests", "tokens"].map((dimension) => ({
  dimension,
  limit: `x-ratelimit-limit-${dimension}`,
  remaining: `x-ratelimit-remaining-${dimension}`,
  reset: `x-ratelimit-reset-${dimension}`,
}));

export function readOpenAIRateLimits(headers: IncomingHttpHeaders, now: number): RateLimitState {
  const state: Record<string, RateLimitDimension> = {};
  for (const names of dimensions) {
    const { dimension } = names;
    const limit = Number(firstHeader(headers, names.limit) ?? Number.NaN);
    const remaining = Number(firstHeader(headers, names.remaining) ?? Number.NaN);
    const resetText = firstHeader(headers, names.reset);
    const resetIn = resetText === undefined ? undefined : resetDuration(resetText);
    if (Number.isNaN(limit) && Number.isNaN(remaining) && resetIn === undefined) continue;
    state[dimension] = {
      ...(Number.isNaN(limit) ? {} : { limit }),
      ...(Number.isNaN(remaining) ? {} : { remaining }),
      ...(resetIn === undefined ? {} : { resetAt: now + resetIn }),
    };
  }
  return state;
}
