// Header-driven pauses: when a response says nothing remains until a reset, later requests wait for it.
import type { IncomingHttpHeaders } from "node:http";
import type { RateLimitState } from "../providers/provider-adapter.ts";
import { askedWait } from "../resilience/retry-delay.ts";
import { latestExhaustedReset } from "./exhausted-reset.ts";

/** Pauses longer than this are not believed (a clock or header error); the 429s would then speak for themselves. */
const longestPause = 10 * 60_000;

/**
 * The epoch ms until which the provider (or key) should get no request: the latest reset among dimensions
 * reporting remaining 0, or — on a 429 — the `retry-after` it carries. Undefined when nothing says to wait.
 */
export function pauseFromHeaders(
  state: RateLimitState,
  status: number,
  headers: IncomingHttpHeaders,
  now: number,
): number | undefined {
  let until = latestExhaustedReset(state);
  if (status === 429) {
    const asked = askedWait(headers, now);
    if (asked !== undefined) until = Math.max(until ?? 0, now + asked.wait);
  }
  if (until === undefined || until <= now || until - now > longestPause) return undefined;
  return until;
}
