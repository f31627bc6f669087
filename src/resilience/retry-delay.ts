// The one retry-delay computation: the upstream's own signals first, then backoff with full jitter (DESIGN.md §6).
import type { IncomingHttpHeaders } from "node:http";
import type { RetryConfig } from "../config/config-types.ts";
import { latestExhaustedReset } from "../limits/exhausted-reset.ts";
import { firstHeader } from "../pipeline/header-value.ts";
import type { RateLimitState } from "../providers/provider-adapter.ts";

export interface RetryDelayInput {
  /** The attempt that just failed, 1 for the first. */
  readonly attempt: number;
  readonly headers?: IncomingHttpHeaders;
  /** The adapter's reading of the same headers (`readRateLimits`), for the exhausted dimension's reset. */
  readonly rateLimits?: RateLimitState;
  /** Wall-clock epoch milliseconds: HTTP dates and RFC 3339 resets are absolute. */
  readonly now: number;
  /** A jitter source in [0, 1). */
  readonly random: () => number;
  readonly retry: Pick<RetryConfig, "baseDelay" | "maxDelay" | "maxWait">;
  /** Milliseconds the client has left before its own deadline; Infinity when unknown. */
  readonly clientLeft: number;
}

export type DelaySource = "retry-after-ms" | "retry-after" | "reset" | "x-ratelimit-reset" | "backoff";

export type RetryDelay =
  | { readonly take: true; readonly delay: number; readonly source: DelaySource }
  /** The wait the upstream asked for is longer than allowed: return its answer as it came. */
  | { readonly take: false; readonly needed: number; readonly source: DelaySource };

function header(headers: IncomingHttpHeaders | undefined, name: string): string | undefined {
  return firstHeader(headers, name)?.trim();
}

function nonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || text === "" || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** `retry-after`: delta-seconds or an HTTP date. */
function retryAfter(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const seconds = nonNegativeNumber(text);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Milliseconds until the latest reset among the dimensions that report nothing remaining. */
function exhaustedReset(rateLimits: RateLimitState | undefined, now: number): number | undefined {
  const until = rateLimits === undefined ? undefined : latestExhaustedReset(rateLimits);
  return until === undefined ? undefined : Math.max(0, until - now);
}

/** `x-ratelimit-reset` from other gateways: Unix seconds, or (small values) seconds from now. */
function unixReset(text: string | undefined, now: number): number | undefined {
  const value = nonNegativeNumber(text);
  if (value === undefined) return undefined;
  return value > 1e9 ? Math.max(0, value * 1000 - now) : value * 1000;
}

/** The wait the upstream asked for in so many words: `retry-after-ms`, else `retry-after`. */
export function askedWait(
  headers: IncomingHttpHeaders | undefined,
  now: number,
): { wait: number; source: "retry-after-ms" | "retry-after" } | undefined {
  const milliseconds = nonNegativeNumber(header(headers, "retry-after-ms"));
  if (milliseconds !== undefined) return { wait: milliseconds, source: "retry-after-ms" };
  const after = retryAfter(header(headers, "retry-after"), now);
  return after === undefined ? undefined : { wait: after, source: "retry-after" };
}

function signalled(input: RetryDelayInput): { wait: number; source: DelaySource } | undefined {
  const { headers, now } = input;
  const asked = askedWait(headers, now);
  if (asked !== undefined) return asked;
  const reset = exhaustedReset(input.rateLimits, now);
  if (reset !== undefined) return { wait: reset, source: "reset" };
  const unix = unixReset(header(headers, "x-ratelimit-reset"), now);
  if (unix !== undefined) return { wait: unix, source: "x-ratelimit-reset" };
  return undefined;
}

export function retryDelay(input: RetryDelayInput): RetryDelay {
  const allowed = Math.min(input.retry.maxWait, input.clientLeft);
  const asked = signalled(input);
  if (asked !== undefined) {
    const wait = Math.ceil(asked.wait);
    return wait <= allowed
      ? { take: true, delay: wait, source: asked.source }
      : { take: false, needed: wait, source: asked.source };
  }
  if (allowed <= 0) return { take: false, needed: 0, source: "backoff" };
  const ceiling = Math.min(input.retry.maxDelay, input.retry.baseDelay * 2 ** (input.attempt - 1));
  // Full jitter: spreads a burst of failed clients evenly instead of in synchronized waves.
  const delay = Math.floor(Math.min(ceiling, allowed) * input.random());
  return { take: true, delay, source: "backoff" };
}
