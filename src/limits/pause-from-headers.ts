// Header-driven pauses: when a response says nothing remains until a reset, later requests wait for it.
import type { IncomingHttpHeaders } from "node:http";
import type { RateLimitState } from "../providers/provider-adapter.ts";

/** Pauses longer than this are not believed (a clock or header error); the 429s would then speak for themselves. */
const longestPause = 10 * 60_000;

function retryAfter(headers: IncomingHttpHeaders, now: number): number | undefined {
  const milliseconds = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(milliseconds)) return now + milliseconds;
  const text = headers["retry-after"];
  if (typeof text !== "string") return undefined;
  const seconds = Number(text);
  if (text.trim() !== "" && Number.isFinite(seconds)) return now + seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}

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
  let until: number | undefined;
  for (const dimension of Object.values(state)) {
    if (dimension.remaining !== 0 || dimension.resetAt === undefined) continue;
    until = Math.max(until ?? 0, dimension.resetAt);
  }
  if (status === 429) {
    const after = retryAfter(headers, now);
    if (after !== undefined) until = Math.max(until ?? 0, after);
  }
  if (until === undefined || until <= now || until - now > longestPause) return undefined;
  return until;
}
