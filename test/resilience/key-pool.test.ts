// Key pools on real env credential sources: spreading, 429 cool-downs until the reset, 401/403 set-asides.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createEnvSource } from "../../src/credentials/env-source.ts";
import { createKeyPool, keyPoolOf, pooledCredentials } from "../../src/credentials/key-pool.ts";
import { anthropicAdapter } from "../../src/providers/anthropic/anthropic-adapter.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import { createMetrics } from "../../src/telemetry/metrics.ts";

function pool(env: NodeJS.ProcessEnv = { KEY_A: "secret-a", KEY_B: "secret-b" }) {
  return createKeyPool("p", [createEnvSource("KEY_A", env), createEnvSource("KEY_B", env)]);
}

function picked(keyPool: ReturnType<typeof pool>, now: number): string {
  const choice = keyPool.pick(now);
  assert.ok("source" in choice, "a key is free");
  return choice.source.description;
}

test("requests spread across the keys in turn", () => {
  const keyPool = pool();
  assert.deepEqual(
    [0, 1, 2, 3].map(() => picked(keyPool, 0)),
    ["env KEY_A", "env KEY_B", "env KEY_A", "env KEY_B"],
  );
});

test("a 429 cools the key until its reset; with every key cooling, the pick says until when", () => {
  // status() reads the wall clock: the test works from now, not a fixed date.
  const now = Date.now();
  const keyPool = pool();
  const a = keyPool.sources[0]!;
  const b = keyPool.sources[1]!;
  keyPool.report(a, 429, { "retry-after": "5" }, anthropicAdapter, now);
  assert.deepEqual(
    [0, 1].map(() => picked(keyPool, now)),
    ["env KEY_B", "env KEY_B"],
  );
  assert.match(a.status().detail, /cooling down until/);
  keyPool.report(
    b,
    429,
    { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" },
    openaiAdapter,
    now,
  );
  assert.deepEqual(keyPool.pick(now + 1_000), { waitUntil: now + 2_000 });
  assert.equal(picked(keyPool, now + 2_000), "env KEY_B");
  assert.equal(picked(keyPool, now + 5_000), "env KEY_A", "A is back after its own reset");
});

test("a 2xx saying remaining 0 cools the key until the reset, without a 429", () => {
  // status() reads the wall clock: the test works from now, not a fixed date.
  const now = Date.now();
  const keyPool = pool();
  const reset = new Date(now + 3_000).toISOString();
  keyPool.report(
    keyPool.sources[0]!,
    200,
    { "anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": reset },
    anthropicAdapter,
    now,
  );
  assert.equal(picked(keyPool, now), "env KEY_B");
  assert.equal(picked(keyPool, now), "env KEY_B");
});

test("401/403 set a key aside (unavailable in its status) until its secret changes", () => {
  const env: NodeJS.ProcessEnv = { KEY_A: "secret-a", KEY_B: "secret-b" };
  const metrics = createMetrics({ defaultMetrics: false });
  const keyPool = createKeyPool("p", [createEnvSource("KEY_A", env), createEnvSource("KEY_B", env)], metrics);
  keyPool.report(keyPool.sources[0]!, 401, {}, anthropicAdapter, 0);
  const status = keyPool.sources[0]!.status();
  assert.equal(status.available, false);
  assert.match(status.detail, /set aside: the upstream answered 401/);
  assert.doesNotMatch(status.detail, /secret-a/);
  assert.deepEqual(
    [0, 1, 2].map(() => picked(keyPool, 0)),
    ["env KEY_B", "env KEY_B", "env KEY_B"],
  );
  env.KEY_A = "secret-a-rotated";
  assert.equal(keyPool.sources[0]!.status().available, true);
  assert.deepEqual([0, 1].map(() => picked(keyPool, 0)).sort(), ["env KEY_A", "env KEY_B"]);
});

test("every key set aside: the first is used, so the client sees the upstream's own 401", () => {
  const keyPool = pool();
  keyPool.report(keyPool.sources[0]!, 401, {}, anthropicAdapter, 0);
  keyPool.report(keyPool.sources[1]!, 403, {}, anthropicAdapter, 0);
  // Every pick, not just the first: rotating through set-aside keys would hand out KEY_B too.
  assert.deepEqual(
    [0, 1, 2].map(() => picked(keyPool, 0)),
    ["env KEY_A", "env KEY_A", "env KEY_A"],
  );
});

test("one credential is not pooled; several are, and the pool is found from its sources", () => {
  const single = [createEnvSource("KEY_A", { KEY_A: "a" })];
  assert.equal(pooledCredentials("p", single), single);
  const several = pooledCredentials("p", [
    createEnvSource("A", { A: "a" }),
    createEnvSource("B", { B: "b" }),
  ]);
  assert.ok(keyPoolOf(several) !== undefined);
});
