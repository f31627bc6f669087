// Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`; resets are Go-style durations.
import type { IncomingHttpHeaders } from "node:http";
import { parseDuration } from "../../config/duration.ts";
import type { RateLimitDimension, RateLimitState } from "../provider-adapter.ts";

/** `6m0s`, `1.2s`, `120ms` → milliseconds (Go duration syntax, as the config's); undefined when it is not one. */
function resetDuration(text: string): number | undefined {
  try {
    return parseDuration(text.trim());
  } catch {
    return undefined;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function readOpenAIRateLimits(headers: IncomingHttpHeaders, now: number): RateLimitState {
  const state: Record<string, RateLimitDimension> = {};
  for (const dimension of ["requests", "tokens"]) {
    const limit = Number(header(headers, `x-ratelimit-limit-${dimension}`) ?? Number.NaN);
    const remaining = Number(header(headers, `x-ratelimit-remaining-${dimension}`) ?? Number.NaN);
    const resetText = header(headers, `x-ratelimit-reset-${dimension}`);
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
