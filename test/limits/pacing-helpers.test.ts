// The pure pacing helpers: the up-front token estimate and the pause read from rate-limit headers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateTokens } from "../../src/limits/estimate-tokens.ts";
import { pauseFromHeaders } from "../../src/limits/pause-from-headers.ts";
import { readAnthropicRateLimits } from "../../src/providers/anthropic/anthropic-rate-limits.ts";
import { readOpenAIRateLimits } from "../../src/providers/openai/openai-rate-limits.ts";

test("estimateTokens: a quarter of the body bytes plus max_tokens or max_completion_tokens", () => {
  const anthropic = Buffer.from(JSON.stringify({ model: "m", max_tokens: 1000, messages: [] }));
  assert.equal(estimateTokens(anthropic), Math.ceil(anthropic.length / 4) + 1000);
  const openai = Buffer.from(JSON.stringify({ model: "m", messages: [], max_completion_tokens: 50 }));
  assert.equal(estimateTokens(openai), Math.ceil(openai.length / 4) + 50);
  const late = Buffer.from(JSON.stringify({ messages: [{ content: "x".repeat(10_000) }], max_tokens: 7 }));
  assert.equal(estimateTokens(late), Math.ceil(late.length / 4) + 7, "found past the first 4 KiB too");
  assert.equal(estimateTokens(Buffer.alloc(0)), 0);
});

const now = Date.UTC(2026, 10, 26, 12);

test("pauseFromHeaders: the latest reset among exhausted dimensions", () => {
  const headers = {
    "anthropic-ratelimit-requests-remaining": "0",
    "anthropic-ratelimit-requests-reset": new Date(now + 2_000).toISOString(),
    "anthropic-ratelimit-tokens-remaining": "0",
    "anthropic-ratelimit-tokens-reset": new Date(now + 5_000).toISOString(),
    "anthropic-ratelimit-output-tokens-remaining": "100",
    "anthropic-ratelimit-output-tokens-reset": new Date(now + 50_000).toISOString(),
  };
  assert.equal(pauseFromHeaders(readAnthropicRateLimits(headers), 200, headers, now), now + 5_000);
});

test("pauseFromHeaders: OpenAI durations, and nothing when something remains", () => {
  const exhausted = { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.5s" };
  assert.equal(pauseFromHeaders(readOpenAIRateLimits(exhausted, now), 200, exhausted, now), now + 1_500);
  const room = { "x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "1.5s" };
  assert.equal(pauseFromHeaders(readOpenAIRateLimits(room, now), 200, room, now), undefined);
});

test("pauseFromHeaders: a 429's retry-after pauses; past resets and absurd ones do not", () => {
  assert.equal(pauseFromHeaders({}, 429, { "retry-after": "3" }, now), now + 3_000);
  assert.equal(pauseFromHeaders({}, 429, { "retry-after-ms": "250" }, now), now + 250);
  assert.equal(pauseFromHeaders({}, 200, { "retry-after": "3" }, now), undefined, "only a 429 means it");
  assert.equal(pauseFromHeaders({ requests: { remaining: 0, resetAt: now - 1 } }, 200, {}, now), undefined);
  assert.equal(
    pauseFromHeaders({ requests: { remaining: 0, resetAt: now + 3_600_000 } }, 200, {}, now),
    undefined,
  );
});
