// Pacing end to end: header-driven pauses hold requests until the reset, buckets bound the rate, a wait past
// the queue timeout is a 429 with retry-after; key pools move traffic off a rate-limited or rejected key.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { metricValue, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";

const message = {
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "Hi" }],
};
const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };
const keys = { a: "sk-pool-key-a-0005", b: "sk-pool-key-b-0006" };

function keyFiles(): { a: string; b: string } {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-pool-"));
  writeFileSync(join(directory, "a"), `${keys.a}\n`);
  writeFileSync(join(directory, "b"), `${keys.b}\n`);
  return { a: join(directory, "a"), b: join(directory, "b") };
}

let harness: Harness;
before(async () => {
  const files = keyFiles();
  const pool = [{ file: files.a }, { file: files.b }];
  harness = await startResilienceHarness({
    anthropic: { resilience: { pacing: { requestsPerMinute: 600 } } },
    openai: { credentials: pool },
    deepseek: { credentials: pool },
  });
});
after(async () => {
  await harness.close();
});
beforeEach(() => harness.simulator.reset());

const anthropic = () =>
  new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });

describe("(i) remaining 0 with a reset 2 s ahead", () => {
  test("no request reaches the upstream before the reset, and all succeed", async () => {
    const reset = Date.now() + 2_000;
    harness.simulator.script([
      {
        headers: {
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "0",
          "anthropic-ratelimit-requests-reset": new Date(reset).toISOString(),
        },
      },
    ]);
    const pausesBefore = await metricValue(harness, "outrigger_ratelimit_pauses_total", {
      provider: "anthropic",
    });
    assert.equal((await anthropic().messages.create(message)).type, "message");
    const answers = await Promise.all([1, 2, 3].map(() => anthropic().messages.create(message)));
    assert.ok(answers.every((answer) => answer.type === "message"));
    const posts = upstreamPosts(harness);
    assert.equal(posts.length, 4, "no 429s, no retries: one upstream request each");
    for (const post of posts.slice(1)) {
      assert.ok(post.receivedAt >= reset, `a request arrived ${reset - post.receivedAt} ms before the reset`);
    }
    assert.equal(
      (await metricValue(harness, "outrigger_ratelimit_pauses_total", { provider: "anthropic" })) -
        pausesBefore,
      1,
    );
    assert.ok(
      (await metricValue(harness, "outrigger_pacing_wait_seconds_count", { provider: "anthropic" })) >= 3,
    );
  });
});

describe("local token buckets and the queue timeout", () => {
  test("a wait past bulkhead.queueTimeout is a 429 in the client's dialect with retry-after", async () => {
    const local = await startResilienceHarness({
      anthropic: { resilience: { pacing: { requestsPerMinute: 2 }, bulkhead: { queueTimeout: "200ms" } } },
    });
    try {
      const client = new Anthropic({ baseURL: `${local.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });
      await client.messages.create(message);
      await client.messages.create(message);
      await assert.rejects(client.messages.create(message), (error: unknown) => {
        assert.ok(error instanceof Anthropic.RateLimitError, `got ${String(error)}`);
        assert.equal((error.error as { error?: { type?: string } }).error?.type, "rate_limit_error");
        assert.ok(Number(error.headers?.get("retry-after")) >= 25, "the bucket refills one request per 30 s");
        assert.equal(error.headers?.get("x-should-retry"), "false");
        return true;
      });
      assert.equal(upstreamPosts(local).length, 2, "the third request never left the sidecar");
      assert.equal(
        await metricValue(local, "outrigger_pacing_rejections_total", { provider: "anthropic" }),
        1,
      );
    } finally {
      await local.close();
    }
  });
});

describe("(k) key pools", () => {
  test("a 429 on key A moves traffic to key B at once", async () => {
    harness.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "5" } }]);
    const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
    for (let index = 0; index < 3; index++) {
      assert.equal((await openai.chat.completions.create(chat)).object, "chat.completion");
    }
    const used = upstreamPosts(harness).map((post) => post.headers.authorization);
    const first = used[0];
    const other = first === `Bearer ${keys.a}` ? `Bearer ${keys.b}` : `Bearer ${keys.a}`;
    assert.deepEqual(used, [first, other, other, other], "after the 429 every request uses the other key");
    const posts = upstreamPosts(harness);
    assert.ok(posts[1]!.receivedAt - posts[0]!.receivedAt < 1_000, "the retry did not wait out key A's 5 s");
    assert.equal(
      await metricValue(harness, "outrigger_credential_key_state", { provider: "openai", state: "cooling" }),
      1,
    );
  });

  test("a 401 sets the key aside, visible in /readyz, and the other key serves that very request", async () => {
    harness.simulator.script([{ respond: { status: 401 } }]);
    const deepseek = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/deepseek`, apiKey: "placeholder" });
    const request = { ...chat, model: "deepseek-chat" };
    for (let index = 0; index < 4; index++) {
      assert.equal((await deepseek.chat.completions.create(request)).object, "chat.completion");
    }
    const used = upstreamPosts(harness).map((post) => post.headers.authorization);
    assert.equal(used.length, 5, "the refused request was resent once, with the other key");
    assert.equal(used.filter((key) => key === used[0]).length, 1, "the upstream saw the rejected key once");
    assert.equal(new Set(used.slice(1)).size, 1, "one key serves after the 401");
    assert.notEqual(used[1], used[0]);
    // Another key is not a retry of a failure: one attempt per request, no retry counted.
    assert.equal(
      await metricValue(harness, "outrigger_upstream_attempts_total", { provider: "deepseek" }),
      4,
    );
    assert.equal(await metricValue(harness, "outrigger_retries_total", { provider: "deepseek" }), 0);

    const readiness = (await (await fetch(`${harness.sidecar.adminUrl}/readyz`)).json()) as {
      status: string;
      providers: Record<string, { ready: boolean; credentials: { available: boolean; detail: string }[] }>;
    };
    assert.equal(readiness.status, "ready");
    const credentials = readiness.providers.deepseek!.credentials;
    assert.equal(credentials.filter((key) => !key.available).length, 1);
    assert.match(credentials.find((key) => !key.available)!.detail, /set aside: the upstream answered 401/);
    assert.equal(
      await metricValue(harness, "outrigger_credential_key_state", {
        provider: "deepseek",
        state: "rejected",
      }),
      1,
    );
  });

  test("every key refused: the client sees the upstream's own 401/403, each key tried once", async () => {
    const files = keyFiles();
    const pooled = await startResilienceHarness({
      openai: { credentials: [{ file: files.a }, { file: files.b }] },
    });
    try {
      pooled.simulator.script([{ respond: { status: 403 } }, { respond: { status: 401 } }]);
      const openai = new OpenAI({ baseURL: `${pooled.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
      await assert.rejects(openai.chat.completions.create(chat), OpenAI.AuthenticationError);
      const used = upstreamPosts(pooled).map((post) => post.headers.authorization);
      assert.deepEqual(new Set(used), new Set([`Bearer ${keys.a}`, `Bearer ${keys.b}`]), "each key once");
      assert.equal(used.length, 2);
      // Both set aside: the next request goes to the first key only, and its own 401 comes back.
      pooled.simulator.script([{ respond: { status: 401 } }]);
      await assert.rejects(openai.chat.completions.create(chat), OpenAI.AuthenticationError);
      assert.deepEqual(
        upstreamPosts(pooled).map((post) => post.headers.authorization),
        [...used, `Bearer ${keys.a}`],
      );
    } finally {
      await pooled.close();
    }
  });

  test("the resend to another key runs within the request's total deadline", async () => {
    const files = keyFiles();
    const pooled = await startResilienceHarness({
      openai: {
        credentials: [{ file: files.a }, { file: files.b }],
        resilience: { retry: { maxAttempts: 1 }, timeouts: { total: "600ms" } },
      },
    });
    try {
      pooled.simulator.script([{ respond: { status: 401 } }, { stallBeforeHead: true }]);
      const openai = new OpenAI({
        baseURL: `${pooled.sidecar.proxyUrl}/openai/v1`,
        apiKey: "placeholder",
        maxRetries: 0,
      });
      const started = Date.now();
      await assert.rejects(openai.chat.completions.create(chat), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
        assert.equal(error.status, 504, "the deadline, not the refused key's 401");
        return true;
      });
      assert.ok(Date.now() - started < 5_000, "the stalled resend was cut at the deadline");
      assert.equal(upstreamPosts(pooled).length, 2, "the refused key, then the other key");
    } finally {
      await pooled.close();
    }
  });
});

describe("(k) key pools pace each key on its own bucket", () => {
  test("requestsPerMinute 1 on two keys: one request per key, then a 429 with retry-after", async () => {
    const files = keyFiles();
    const pooled = await startResilienceHarness({
      openai: {
        credentials: [{ file: files.a }, { file: files.b }],
        resilience: { pacing: { requestsPerMinute: 1 }, bulkhead: { queueTimeout: "200ms" } },
      },
    });
    try {
      const openai = new OpenAI({ baseURL: `${pooled.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
      await openai.chat.completions.create(chat);
      await openai.chat.completions.create(chat);
      await assert.rejects(openai.chat.completions.create(chat), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError, `got ${String(error)}`);
        assert.ok(Number(error.headers?.get("retry-after")) >= 50);
        return true;
      });
      const used = upstreamPosts(pooled).map((post) => post.headers.authorization);
      assert.deepEqual(
        new Set(used),
        new Set([`Bearer ${keys.a}`, `Bearer ${keys.b}`]),
        "one request on each key",
      );
      assert.equal(used.length, 2);
    } finally {
      await pooled.close();
    }
  });
});
