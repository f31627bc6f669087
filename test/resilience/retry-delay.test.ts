// The retry delay as a table: every signal the issue lists, their precedence, and the caps.
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { test } from "node:test";
import { readAnthropicRateLimits } from "../../src/providers/anthropic/anthropic-rate-limits.ts";
import { readOpenAIRateLimits } from "../../src/providers/openai/openai-rate-limits.ts";
import { type RetryDelay, retryDelay } from "../../src/resilience/retry-delay.ts";

const now = Date.UTC(2026, 10, 26, 12, 0, 0);
const retry = { baseDelay: 500, maxDelay: 8_000, maxWait: 30_000 };
const iso = (offset: number) => new Date(now + offset).toISOString();

function delayFor(
  headers: IncomingHttpHeaders,
  options: { attempt?: number; random?: number; clientLeft?: number; reader?: "anthropic" | "openai" } = {},
): RetryDelay {
  const rateLimits =
    options.reader === "anthropic"
      ? readAnthropicRateLimits(headers)
      : options.reader === "openai"
        ? readOpenAIRateLimits(headers, now)
        : undefined;
  return retryDelay({
    attempt: options.attempt ?? 1,
    headers,
    ...(rateLimits === undefined ? {} : { rateLimits }),
    now,
    random: () => options.random ?? 0.5,
    retry,
    clientLeft: options.clientLeft ?? Number.POSITIVE_INFINITY,
  });
}

const rows: { name: string; delay: RetryDelay; expected: RetryDelay }[] = [
  {
    name: "retry-after-ms",
    delay: delayFor({ "retry-after-ms": "1500" }),
    expected: { take: true, delay: 1500, source: "retry-after-ms" },
  },
  {
    name: "retry-after-ms wins over retry-after",
    delay: delayFor({ "retry-after-ms": "250", "retry-after": "5" }),
    expected: { take: true, delay: 250, source: "retry-after-ms" },
  },
  {
    name: "retry-after in seconds",
    delay: delayFor({ "retry-after": "2" }),
    expected: { take: true, delay: 2000, source: "retry-after" },
  },
  {
    name: "retry-after as an HTTP date",
    delay: delayFor({ "retry-after": new Date(now + 3_000).toUTCString() }),
    expected: { take: true, delay: 3000, source: "retry-after" },
  },
  {
    name: "retry-after as a date in the past: no wait",
    delay: delayFor({ "retry-after": new Date(now - 3_000).toUTCString() }),
    expected: { take: true, delay: 0, source: "retry-after" },
  },
  ...(["requests", "tokens", "input-tokens", "output-tokens"] as const).map((dimension) => ({
    name: `anthropic-ratelimit-${dimension}-reset for the exhausted dimension`,
    delay: delayFor(
      {
        [`anthropic-ratelimit-${dimension}-remaining`]: "0",
        [`anthropic-ratelimit-${dimension}-reset`]: iso(4_000),
        // A dimension with room left does not decide the wait, however far its reset.
        "anthropic-ratelimit-other-remaining": "10",
        [`anthropic-ratelimit-${dimension === "requests" ? "tokens" : "requests"}-remaining`]: "5",
        [`anthropic-ratelimit-${dimension === "requests" ? "tokens" : "requests"}-reset`]: iso(20_000),
      },
      { reader: "anthropic" },
    ),
    expected: { take: true, delay: 4000, source: "reset" } as RetryDelay,
  })),
  {
    name: "retry-after wins over the reset headers",
    delay: delayFor(
      {
        "retry-after": "1",
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": iso(9_000),
      },
      { reader: "anthropic" },
    ),
    expected: { take: true, delay: 1000, source: "retry-after" },
  },
  {
    name: "x-ratelimit-reset-requests 6m0s: longer than maxWait, not taken",
    delay: delayFor(
      { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s" },
      { reader: "openai" },
    ),
    expected: { take: false, needed: 360_000, source: "reset" },
  },
  {
    name: "x-ratelimit-reset-tokens 1.2s",
    delay: delayFor(
      { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.2s" },
      { reader: "openai" },
    ),
    expected: { take: true, delay: 1200, source: "reset" },
  },
  {
    name: "x-ratelimit-reset-requests 120ms",
    delay: delayFor(
      { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "120ms" },
      { reader: "openai" },
    ),
    expected: { take: true, delay: 120, source: "reset" },
  },
  {
    name: "both OpenAI dimensions exhausted: the later reset",
    delay: delayFor(
      {
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "2s",
      },
      { reader: "openai" },
    ),
    expected: { take: true, delay: 2000, source: "reset" },
  },
  {
    name: "x-ratelimit-reset as Unix seconds",
    delay: delayFor({ "x-ratelimit-reset": String(Math.floor(now / 1000) + 5) }),
    expected: { take: true, delay: 5000, source: "x-ratelimit-reset" },
  },
  {
    name: "no signal: full-jitter backoff, attempt 1",
    delay: delayFor({}, { attempt: 1, random: 0.5 }),
    expected: { take: true, delay: 250, source: "backoff" },
  },
  {
    name: "no signal: backoff doubles with the attempt",
    delay: delayFor({}, { attempt: 3, random: 0.5 }),
    expected: { take: true, delay: 1000, source: "backoff" },
  },
  {
    name: "no signal: backoff capped by maxDelay",
    delay: delayFor({}, { attempt: 10, random: 0.999 }),
    expected: { take: true, delay: 7992, source: "backoff" },
  },
  {
    name: "no signal: backoff shortened to the time the client has left",
    delay: delayFor({}, { attempt: 10, random: 0.5, clientLeft: 1_000 }),
    expected: { take: true, delay: 500, source: "backoff" },
  },
  {
    name: "the client has no time left: no retry",
    delay: delayFor({}, { clientLeft: 0 }),
    expected: { take: false, needed: 0, source: "backoff" },
  },
  {
    name: "retry-after beyond maxWait: not taken",
    delay: delayFor({ "retry-after": "31" }),
    expected: { take: false, needed: 31_000, source: "retry-after" },
  },
  {
    name: "retry-after beyond the time the client has left: not taken",
    delay: delayFor({ "retry-after": "3" }, { clientLeft: 2_000 }),
    expected: { take: false, needed: 3_000, source: "retry-after" },
  },
  {
    name: "a garbage retry-after is ignored",
    delay: delayFor({ "retry-after": "soon" }, { random: 0 }),
    expected: { take: true, delay: 0, source: "backoff" },
  },
];

for (const row of rows) {
  test(`delay: ${row.name}`, () => {
    assert.deepEqual(row.delay, row.expected);
  });
}
