// The Redis limiter against the real Redis at 127.0.0.1:6379: the Lua buckets agree with the local ones, pauses
// are shared between two limiters, and an unreachable Redis falls back to local pacing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Limiter } from "../../src/limits/limiter.ts";
import { createLocalLimiter } from "../../src/limits/local-limiter.ts";
import { createRedisLimiter } from "../../src/limits/redis-limiter.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

const prefix = `outrigger-unit-${randomUUID().slice(0, 8)}:`;
const logger = createLogger({ level: "silent" });
const limiters: Limiter[] = [];
const admin = new Redis("redis://127.0.0.1:6379");

after(async () => {
  await Promise.all(limiters.map((limiter) => limiter.close()));
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

async function connected(url = "redis://127.0.0.1:6379", onFallback = () => {}) {
  let up = false;
  const limiter = createRedisLimiter({
    url,
    keyPrefix: prefix,
    local: createLocalLimiter(),
    logger,
    onAvailability: (value) => {
      up = value;
    },
    onFallback,
  });
  limiters.push(limiter);
  if (url.includes(":6379")) {
    for (let waited = 0; !up && waited < 5_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(up, "connected to Redis");
  }
  return limiter;
}

test("two limiters on one Redis spend one request budget", async () => {
  const [first, second] = [await connected(), await connected()];
  const limits = { requestsPerMinute: 10 };
  const grants = await Promise.all(
    Array.from({ length: 16 }, (_, index) => (index % 2 === 0 ? first : second).acquire("shared", limits, 0)),
  );
  assert.equal(grants.filter((wait) => wait === 0).length, 10);
  for (const wait of grants.filter((value) => value > 0))
    assert.ok(wait > 0 && wait <= 6_000, `wait ${wait}`);
});

test("tokens per minute with corrections, as the local bucket does", async () => {
  const limiter = await connected();
  const limits = { tokensPerMinute: 1_000 };
  assert.equal(await limiter.acquire("tokens", limits, 900), 0);
  const wait = await limiter.acquire("tokens", limits, 200);
  assert.ok(wait >= 5_900 && wait <= 6_000, `wait ${wait}`);
  await limiter.correct("tokens", limits, -500);
  assert.equal(await limiter.acquire("tokens", limits, 200), 0);
});

test("a pause set through one limiter holds the other", async () => {
  const [first, second] = [await connected(), await connected()];
  await first.pause("paused", Date.now() + 1_500);
  const wait = await second.acquire("paused", {}, 0);
  assert.ok(wait > 1_000 && wait <= 1_500, `wait ${wait}`);
  const ttl = await admin.pttl(`${prefix}pace:paused:pause`);
  assert.ok(ttl > 0 && ttl <= 2_500, "the pause expires by itself");
});

test("Redis not there at start: one warning, not one per reconnect attempt", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const limiter = createRedisLimiter({
    url: "redis://127.0.0.1:1",
    keyPrefix: prefix,
    local: createLocalLimiter(),
    logger: pino({ level: "warn" }, sink),
  });
  limiters.push(limiter);
  await new Promise((resolve) => setTimeout(resolve, 800));
  const warnings = lines.filter((line) => line.includes("redis unreachable"));
  assert.equal(warnings.length, 1, `warnings: ${warnings.length}`);
});

test("Redis unreachable: decisions are local and counted", async () => {
  let fallbacks = 0;
  const limiter = await connected("redis://127.0.0.1:1", () => {
    fallbacks += 1;
  });
  const limits = { requestsPerMinute: 2 };
  const waits = [
    await limiter.acquire("x", limits, 0),
    await limiter.acquire("x", limits, 0),
    await limiter.acquire("x", limits, 0),
  ];
  assert.deepEqual(waits.slice(0, 2), [0, 0]);
  assert.ok(waits[2]! > 29_000 && waits[2]! <= 30_000, `the local bucket still paces (${waits[2]})`);
  assert.equal(fallbacks, 3);
});
