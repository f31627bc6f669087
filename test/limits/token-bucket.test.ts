// Token buckets and the local limiter on an injected clock: refill, waits, clamping, pauses, usage corrections.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLocalLimiter } from "../../src/limits/local-limiter.ts";
import { correct, fullBucket, refill, take, waitFor } from "../../src/limits/token-bucket.ts";

test("a bucket refills its capacity per minute and says how long a cost must wait", () => {
  const bucket = fullBucket(60, 0);
  take(bucket, 60, 60);
  assert.equal(waitFor(bucket, 60, 1), 1_000, "one per second at 60/min");
  refill(bucket, 60, 500);
  assert.equal(bucket.tokens, 0.5);
  assert.equal(waitFor(bucket, 60, 1), 500);
  refill(bucket, 60, 10 * 60_000);
  assert.equal(bucket.tokens, 60, "never above capacity");
});

test("a cost above the capacity waits for a full bucket, not forever", () => {
  const bucket = fullBucket(100, 0);
  take(bucket, 100, 30);
  assert.equal(waitFor(bucket, 100, 1_000), Math.ceil((30 * 60_000) / 100));
});

test("corrections give back or take more, within ±capacity", () => {
  const bucket = fullBucket(100, 0);
  take(bucket, 100, 80);
  correct(bucket, 100, -50);
  assert.equal(bucket.tokens, 70, "the estimate was 50 too high");
  correct(bucket, 100, 500);
  assert.equal(bucket.tokens, -100, "debt is floored at -capacity");
});

test("the local limiter: requests per minute, then a wait; nothing taken while waiting", () => {
  let now = 1_000_000;
  const limiter = createLocalLimiter({ now: () => now });
  const limits = { requestsPerMinute: 3 };
  assert.deepEqual(
    [1, 2, 3].map(() => limiter.acquire("p", limits, 0)),
    [0, 0, 0],
  );
  assert.equal(limiter.acquire("p", limits, 0), 20_000);
  assert.equal(limiter.acquire("p", limits, 0), 20_000, "asking again takes nothing");
  now += 20_000;
  assert.equal(limiter.acquire("p", limits, 0), 0);
  assert.equal(limiter.acquire("other", limits, 0), 0, "scopes are independent");
});

test("the local limiter: tokens per minute with the larger of both waits", () => {
  let now = 0;
  const limiter = createLocalLimiter({ now: () => now });
  const limits = { requestsPerMinute: 100, tokensPerMinute: 1_000 };
  assert.equal(limiter.acquire("p", limits, 900), 0);
  assert.equal(limiter.acquire("p", limits, 200), 6_000, "100 tokens left, 100 more at 1000/min");
  limiter.correct("p", limits, -500);
  assert.equal(limiter.acquire("p", limits, 200), 0, "the real usage was lower: the bucket had room");
  now += 1;
});

test("the local limiter: a pause holds every request until it ends, and only extends", () => {
  let now = 0;
  const limiter = createLocalLimiter({ now: () => now });
  limiter.pause("p", 2_000);
  limiter.pause("p", 1_000);
  assert.equal(limiter.pausedUntil("p"), 2_000);
  assert.equal(limiter.acquire("p", {}, 0), 2_000);
  now = 1_500;
  assert.equal(limiter.acquire("p", {}, 0), 500);
  now = 2_000;
  assert.equal(limiter.acquire("p", {}, 0), 0);
  assert.equal(limiter.pausedUntil("p"), 0);
});
