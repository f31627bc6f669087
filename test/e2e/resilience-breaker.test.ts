// The circuit breaker end to end: opens after its threshold, fails fast in the client's dialect with retry-after,
// lets a half-open probe through that closes it; or serves from a fallback provider (same dialect here; the
// other dialect in test/e2e/cross-dialect-fallback.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { metricValue, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";

const breaker = { minRequests: 2, window: "10s", failureRatio: 0.5, halfOpenAfter: "1s" };
const resilience = { retry: { maxAttempts: 1 }, breaker };
const message = {
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "Hi" }],
};

describe("(f) the breaker opens, fails fast, and a half-open probe closes it", () => {
  let harness: Harness;
  before(async () => {
    harness = await startResilienceHarness({ anthropic: { resilience }, deepseek: { resilience } });
  });
  after(async () => {
    await harness.close();
  });

  test("Anthropic dialect: 529 overloaded_error with retry-after, then recovery", async () => {
    const anthropic = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: "placeholder",
    });
    harness.simulator.script([{ respond: { status: 500 } }, { respond: { status: 500 } }]);
    for (let index = 0; index < 2; index++) {
      await assert.rejects(anthropic.messages.create(message), Anthropic.InternalServerError);
    }
    assert.equal(upstreamPosts(harness).length, 2);
    assert.equal(await metricValue(harness, "outrigger_circuit_state", { provider: "anthropic" }), 1, "open");

    const started = performance.now();
    await assert.rejects(anthropic.messages.create(message), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.equal(error.status, 529);
      assert.equal((error.error as { error?: { type?: string } }).error?.type, "overloaded_error");
      const retryAfter = Number(error.headers?.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 1, `retry-after ${retryAfter} is the time to half-open`);
      assert.equal(error.headers?.get("x-should-retry"), "false");
      return true;
    });
    const elapsed = performance.now() - started;
    // The bound is 50 ms (typically a few ms here); the assertion is generous for a loaded 2-core machine.
    assert.ok(elapsed < 250, `fast failure took ${elapsed.toFixed(1)} ms`);
    assert.equal(upstreamPosts(harness).length, 2, "nothing reached the upstream while open");

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const probe = await anthropic.messages.create(message);
    assert.equal(probe.type, "message", "the half-open probe went through");
    assert.equal(
      await metricValue(harness, "outrigger_circuit_state", { provider: "anthropic" }),
      0,
      "closed",
    );
    assert.equal((await anthropic.messages.create(message)).type, "message");
    assert.equal(upstreamPosts(harness).length, 4);
    const transitions = await metricValue(harness, "outrigger_circuit_transitions_total", {
      provider: "anthropic",
    });
    assert.equal(transitions, 3, "open → half-open → closed");
  });

  test("OpenAI dialect (DeepSeek): 503 the SDK parses", async () => {
    harness.simulator.reset();
    const deepseek = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/deepseek`, apiKey: "placeholder" });
    const chat = { model: "deepseek-chat", messages: [{ role: "user" as const, content: "Hi" }] };
    harness.simulator.script([{ respond: { status: 503 } }, { respond: { status: 503 } }]);
    for (let index = 0; index < 2; index++) {
      await assert.rejects(deepseek.chat.completions.create(chat), OpenAI.InternalServerError);
    }
    await assert.rejects(deepseek.chat.completions.create(chat), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 503);
      assert.ok(Number(error.headers?.get("retry-after")) >= 1);
      return true;
    });
    assert.equal(upstreamPosts(harness).length, 2);
  });
});

describe("(f) spent attempts and an open circuit fall back to the first fallback provider", () => {
  let harness: Harness;
  /** anthropic-b runs on a simulator of its own, so faults scripted for anthropic never reach it. */
  let second: Simulator;
  const fallbackKey = "sk-ant-fallback-key-0004";
  before(async () => {
    second = await startSimulator();
    const directory = mkdtempSync(join(tmpdir(), "outrigger-fallback-"));
    writeFileSync(join(directory, "key"), `${fallbackKey}\n`);
    harness = await startResilienceHarness(
      {
        anthropic: {
          resilience,
          fallback: [{ provider: "anthropic-b", model: "claude-fallback-model" }, { provider: "openai" }],
        },
      },
      (config) => {
        const providers = config.providers as Record<string, unknown>;
        providers["anthropic-b"] = {
          protocol: "anthropic",
          baseUrl: second.url,
          hosts: [],
          credentials: [{ file: join(directory, "key") }],
        };
      },
    );
  });
  after(async () => {
    await harness.close();
    await second.close();
  });

  test("served by anthropic-b with its key and the target's model, first after spent attempts, then while open", async () => {
    const anthropic = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: "placeholder",
    });
    harness.simulator.script([
      { respond: { status: 500 } },
      { respond: { status: 500 } },
      { respond: { status: 500 } },
    ]);
    for (let index = 0; index < 2; index++) {
      const { data: answer, response } = await anthropic.messages.create(message).withResponse();
      assert.equal(answer.type, "message", "attempts spent on anthropic: anthropic-b answered");
      assert.equal(response.headers.get("x-outrigger-provider"), "anthropic-b");
    }
    assert.equal(upstreamPosts(harness).length, 2, "one attempt each on the failing provider");
    assert.equal(await metricValue(harness, "outrigger_circuit_state", { provider: "anthropic" }), 1, "open");
    const answer = await anthropic.messages.create(message);
    assert.equal(answer.type, "message");
    assert.equal(upstreamPosts(harness).length, 2, "while open, nothing goes to the failing provider");
    const posts = second.requests.filter((request) => request.method === "POST");
    assert.equal(posts.length, 3);
    const last = posts.at(-1)!;
    assert.equal(last.headers["x-api-key"], fallbackKey, "the fallback provider's own key");
    assert.equal(JSON.parse(last.body).model, "claude-fallback-model");
    assert.equal(last.path, "/v1/messages", "the first target in config order (same dialect) was used");
  });
});
