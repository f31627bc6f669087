// Bad input gets a clear error in the client's dialect and the sidecar keeps serving.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { node24, repositoryRoot, writeConfig } from "../support/child-sidecar.ts";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";

let harness: Harness;
before(async () => {
  harness = await startHarness({
    config: (url) => {
      const config = harnessConfig(url) as { providers: Record<string, Record<string, unknown>> };
      config.providers.anthropic = { ...config.providers.anthropic, maxBodySize: "64KiB" };
      config.providers.openai = { ...config.providers.openai, maxBodySize: "64KiB" };
      config.providers.nokey = {
        protocol: "openai",
        baseUrl: url,
        hosts: [],
        credentials: [{ env: "OUTRIGGER_TEST_UNSET_KEY" }],
      };
      return config;
    },
  });
});
after(async () => {
  await harness.close();
});

describe("routing", () => {
  test("an unknown prefix is a 404 naming the configured providers", async () => {
    const response = await fetch(`${harness.sidecar.proxyUrl}/mistral/v1/chat/completions`, {
      method: "POST",
      body: "{}",
    });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { message: string } };
    for (const id of ["anthropic", "deepseek", "openai"])
      assert.match(body.error.message, new RegExp(`/${id}/`));
  });
});

describe("body size", () => {
  const large = "x".repeat(100 * 1024);
  test("over maxBodySize → 413 that the Anthropic SDK raises as its own error", async () => {
    const client = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: "k",
      maxRetries: 0,
    });
    const error = await client.messages
      .create({ model: "claude", max_tokens: 5, messages: [{ role: "user", content: large }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.equal(error.status, 413);
    assert.equal((error.error as { error?: { type?: string } }).error?.type, "request_too_large");
  });

  test("over maxBodySize → 413 in the OpenAI dialect", async () => {
    const client = new OpenAI({
      baseURL: `${harness.sidecar.proxyUrl}/openai/v1`,
      apiKey: "k",
      maxRetries: 0,
    });
    const error = await client.chat.completions
      .create({ model: "gpt", messages: [{ role: "user", content: large }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 413);
    assert.match(error.message, /maxBodySize of 64KiB/);
  });

  test("the sidecar keeps serving after oversized bodies", async () => {
    const client = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: "k" });
    const completion = await client.chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.ok(completion.choices[0]?.message.content);
  });
});

describe("non-JSON bodies", () => {
  test("are forwarded as they are; the upstream decides", async () => {
    const before = harness.simulator.requests.length;
    const response = await fetch(`${harness.sidecar.proxyUrl}/deepseek/chat/completions`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "this is { not json",
    });
    await response.arrayBuffer();
    const seen = harness.simulator.requests[before];
    assert.equal(seen?.body, "this is { not json");
    assert.ok(response.status >= 200 && response.status < 600);
  });
});

describe("missing credentials", () => {
  test("a provider without its key answers in dialect, naming the variable to set", async () => {
    const client = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/nokey`, apiKey: "k", maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: "gpt", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(error.message, /OUTRIGGER_TEST_UNSET_KEY/);
  });

  test("/readyz is 503 and names the provider when a config file names it", async () => {
    const response = await fetch(`${harness.sidecar.adminUrl}/readyz`);
    assert.equal(response.status, 503);
    const body = (await response.json()) as { providersWithoutCredential: string[] };
    assert.deepEqual(body.providersWithoutCredential, ["nokey"]);
  });

  test("/healthz is 200 and /metrics counts requests by provider and status", async () => {
    assert.equal((await fetch(`${harness.sidecar.adminUrl}/healthz`)).status, 200);
    const metrics = await (await fetch(`${harness.sidecar.adminUrl}/metrics`)).text();
    assert.match(metrics, /outrigger_requests_total\{provider="nokey",[^}]*status_class="4xx"[^}]*\} \d+/);
    assert.match(
      metrics,
      /outrigger_request_duration_seconds_count\{provider="anthropic",status_class="4xx"\} \d+/,
    );
  });
});

describe("invalid configuration", () => {
  test("serve exits non-zero naming the bad key", () => {
    const file = writeConfig({
      providers: { anthropic: { resilience: { retry: { maxAttempts: "three" } } } },
    });
    const result = spawnSync(node24, ["src/main.ts", "serve", "--config", file], {
      cwd: repositoryRoot,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /providers\.anthropic\.resilience\.retry\.maxAttempts/);
  });

  test("--version and --help answer", () => {
    const version = spawnSync(node24, ["src/main.ts", "--version"], {
      cwd: repositoryRoot,
      encoding: "utf8",
    });
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = spawnSync(node24, ["src/main.ts", "--help"], { cwd: repositoryRoot, encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /serve/);
  });
});
