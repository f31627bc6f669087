// Reads Anthropic's `anthropic-ratelimit-<dimension>-{limit,remaining,reset}` headers (reset is RFC 3339).
import type { IncomingHttpHeaders } from "node:http";
import { firstHeader } from "../../pipeline/header-value.ts";
import type { RateLimitDimension, RateLimitState } from "../provider-adapter.ts";

/** Header names spelled once: read on every response, a name built per read showed in profiles. */
const dimensions = (["requests", "tokens", "input-tokens", "output-tokens"] as const).map((dimension) => ({
  dimension,
  limit: `anthropic-ratelimit-${dimension}-limit`,
  remaining: `anthropic-ratelimit-${dimension}-remaining`,
  reset: `anthropic-ratelimit-${dimension}-reset`,
}));

function integer(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function readAnthropicRateLimits(headers: IncomingHttpHeaders): RateLimitState {
  const state: Record<string, RateLimitDimension> = {};
  for (const names of dimensions) {
    const { dimension } = names;
    const limit = integer(firstHeader(headers, names.limit));
    const remaining = integer(firstHeader(headers, names.remaining));
    const resetText = firstHeader(headers, names.reset);
    const resetAt = resetText === undefined ? Number.NaN : Date.parse(resetText);
    if (limit === undefined && remaining === undefined && Number.isNaN(resetAt)) continue;
    state[dimension] = {
      ...(limit === undefined ? {} : { limit }),
      ...(remaining === undefined ? {} : { remaining }),
      ...(Number.isNaN(resetAt) ? {} : { resetAt }),
    };
  }
  return state;
}
