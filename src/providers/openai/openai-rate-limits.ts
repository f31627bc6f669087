// Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`; resets are Go-style durations.
import type { IncomingHttpHeaders } from "node:http";
import type { RateLimitDimension, RateLimitState } from "../provider-adapter.ts";

const unitMilliseconds: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 1e-6,
};

/** `6m0s`, `1.2s`, `120ms`, `1h2m3.5s` → milliseconds; undefined when it is not such a duration. */
export function parseOpenAIResetDuration(text: string): number | undefined {
  const pattern = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of text.trim().matchAll(pattern)) {
    total += Number(match[1]) * (unitMilliseconds[match[2] ?? ""] ?? Number.NaN);
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.trim().length || Number.isNaN(total)) return undefined;
  return total;
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
    const resetIn = resetText === undefined ? undefined : parseOpenAIResetDuration(resetText);
    if (Number.isNaN(limit) && Number.isNaN(remaining) && resetIn === undefined) continue;
    state[dimension] = {
      ...(Number.isNaN(limit) ? {} : { limit }),
      ...(Number.isNaN(remaining) ? {} : { remaining }),
      ...(resetIn === undefined ? {} : { resetAt: now + resetIn }),
    };
  }
  return state;
}
