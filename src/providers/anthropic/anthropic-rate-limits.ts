// Reads Anthropic's `anthropic-ratelimit-<dimension>-{limit,remaining,reset}` headers (reset is RFC 3339).
import type { IncomingHttpHeaders } from "node:http";
import type { RateLimitDimension, RateLimitState } from "../provider-adapter.ts";

const dimensions = ["requests", "tokens", "input-tokens", "output-tokens"] as const;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function readAnthropicRateLimits(headers: IncomingHttpHeaders): RateLimitState {
  const state: Record<string, RateLimitDimension> = {};
  for (const dimension of dimensions) {
    const prefix = `anthropic-ratelimit-${dimension}-`;
    const limit = integer(header(headers, `${prefix}limit`));
    const remaining = integer(header(headers, `${prefix}remaining`));
    const resetText = header(headers, `${prefix}reset`);
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
