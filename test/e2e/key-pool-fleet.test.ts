// Key pools across a fleet: two sidecars on the real Redis at 127.0.0.1:6379 share each pooled key's pauses,
// so a key one of them saw exhausted (a 429 with a reset, `remaining: 0`) gets no request from the other.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { metricValue, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };
const keys = { a: "sk-fleet-key-a-0011", b: "sk-fleet-key-b-0012" };
const runId = randomUUID().slice(0, 8);
const admin = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const harnesses: Harness[] = [];

after(async () => {
  await Promise.all(harnesses.map((harness) => harness.close()));
  const stored = await admin.keys(`outrigger-fleet-${runId}*`);
  if (stored.length > 0) await admin.del(...stored);
  admin.disconnect();
});

function keyFiles(): { a: string; b: string } {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-fleet-"));
  writeFileSync(join(directory, "a"), `${keys.a}\n`);
  writeFileSync(join(directory, "b"), `${keys.b}\n`);
  return { a: join(directory, "a"), b: join(directory, "b") };
}

async function until(what: string, probe: () => Promise<boolean>, timeout = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeout; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Two sidecars with the same two-key pool on one Redis prefix, each with its own simulator, both connected. */
async function fleet(
  name: string,
  redisUrl = "redis://127.0.0.1:6379",
  resilience: Record<string, unknown> = {},
): Promise<{ a: Harness; b: Harness; prefix: string }> {
  const files = keyFiles();
  const prefix = `outrigger-fleet-${runId}-${name}:`;
  const start = () =>
    startResilienceHarness(
      { openai: { credentials: [{ file: files.a }, { file: files.b }], resilience } },
      (config) => {
        config.redis = { url: redisUrl, keyPrefix: prefix };
      },
    );
  const [a, b] = await Promise.all([start(), start()]);
  harnesses.push(a, b);
  if (redisUrl.endsWith(":6379")) {
    await until("both sidecars on Redis", async () =>
      (await Promise.all([a, b].map((harness) => metricValue(harness, "outrigger_redis_up")))).every(
        (up) => up === 1,
      ),
    );
  }
  return { a, b, prefix };
}

const client = (harness: Harness) =>
  new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder", maxRetries: 0 });
const keysUsed = (harness: Harness) => upstreamPosts(harness).map((post) => post.headers.authorization);

describe("(k) a pooled key's pause is shared by the fleet on Redis", () => {
  test("a 429 with a reset seen by sidecar A on key 0 sends sidecar B to key 1", async () => {
    const { a, b, prefix } = await fleet("429");
    a.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "5" } }]);
    assert.equal((await client(a).chat.completions.create(chat)).object, "chat.completion");
    assert.deepEqual(keysUsed(a), [`Bearer ${keys.a}`, `Bearer ${keys.b}`], "A: key 0 got the 429");
    // B's own pool has never seen key 0 fail: only the shared pause can keep it off.
    for (let index = 0; index < 3; index++) {
      assert.equal((await client(b).chat.completions.create(chat)).object, "chat.completion");
    }
    assert.deepEqual(
      keysUsed(b),
      Array(3).fill(`Bearer ${keys.b}`),
      "B never sent to key 0 before its reset",
    );
    const ttl = await admin.pttl(`${prefix}pace:openai/key0:pause`);
    assert.ok(ttl > 3_000 && ttl <= 6_000, `key 0's pause lives in Redis until its reset (ttl ${ttl})`);
    assert.ok(
      (await metricValue(a, "outrigger_ratelimit_pauses_total", { provider: "openai", scope: "key" })) >= 1,
    );
  });

  test("remaining 0 on a 2xx for key 0 at A keeps B off key 0 until the reset", async () => {
    const { a, b } = await fleet("remaining");
    a.simulator.script([
      { headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "4s" } },
    ]);
    assert.equal((await client(a).chat.completions.create(chat)).object, "chat.completion");
    assert.deepEqual(keysUsed(a), [`Bearer ${keys.a}`]);
    await client(b).chat.completions.create(chat);
    await client(b).chat.completions.create(chat);
    assert.deepEqual(keysUsed(b), [`Bearer ${keys.b}`, `Bearer ${keys.b}`]);
  });

  test("with both keys paused by A, B waits for the first reset instead of collecting a 429", async () => {
    const { a, b } = await fleet("both", "redis://127.0.0.1:6379", { retry: { maxAttempts: 1 } });
    a.simulator.script([
      { respond: { status: 429 }, headers: { "retry-after": "2" } },
      { respond: { status: 429 }, headers: { "retry-after": "2" } },
    ]);
    const reset = Date.now() + 1_900;
    await assert.rejects(client(a).chat.completions.create(chat), OpenAI.RateLimitError);
    await assert.rejects(client(a).chat.completions.create(chat), OpenAI.RateLimitError);
    assert.deepEqual(new Set(keysUsed(a)), new Set([`Bearer ${keys.a}`, `Bearer ${keys.b}`]));

    assert.equal((await client(b).chat.completions.create(chat)).object, "chat.completion");
    const posts = upstreamPosts(b);
    assert.equal(posts.length, 1, "B sent nothing that would have collected a 429");
    assert.ok(posts[0]!.receivedAt >= reset, `B sent ${reset - posts[0]!.receivedAt} ms before the reset`);
  });

  test("Redis unreachable: pooled keys still cool down locally and requests keep flowing", async () => {
    const { a } = await fleet("down", "redis://127.0.0.1:1");
    a.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "5" } }]);
    for (let index = 0; index < 3; index++) {
      assert.equal((await client(a).chat.completions.create(chat)).object, "chat.completion");
    }
    assert.deepEqual(keysUsed(a), [`Bearer ${keys.a}`, ...Array(3).fill(`Bearer ${keys.b}`)]);
    assert.ok((await metricValue(a, "outrigger_redis_fallback_total")) >= 1);
  });
});
