// The official SDKs in a child Node process with only HTTPS_PROXY, NODE_USE_ENV_PROXY=1 and NODE_EXTRA_CA_CERTS set.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  fixtureLines,
  fixturePath,
  openaiExpected,
} from "../support/fixture-expectations.ts";
import { upstreamKeys } from "../support/sidecar-harness.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

const client = fileURLToPath(new URL("./intercept-sdk-client.ts", import.meta.url));
const placeholder = "app-placeholder-key-never-forwarded";
let harness: InterceptHarness;

before(async () => {
  harness = await startInterceptHarness({ tls: false });
});
after(async () => {
  await harness?.close();
});

type Results = Record<string, Record<string, unknown>>;

function runClient(): Promise<Results> {
  // Nothing about the sidecar but the three variables (plus the placeholder keys the SDKs insist on).
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HTTPS_PROXY: harness.interceptUrl,
    NODE_USE_ENV_PROXY: "1",
    NODE_EXTRA_CA_CERTS: harness.caFile,
    ANTHROPIC_API_KEY: placeholder,
    OPENAI_API_KEY: placeholder,
    DEEPSEEK_API_KEY: placeholder,
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [client], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`client failed: ${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as Results);
    });
  });
}

test("Anthropic and OpenAI SDKs at their default URLs, streaming and not: answers intact, real keys injected", async () => {
  const upstreamBefore = harness.simulator.requests.length;
  const results = await runClient();

  const recordedMessage = JSON.parse(readFileSync(fixturePath("anthropic/anthropic-text.json"), "utf8"));
  assert.deepEqual(results.anthropicCreate?.content, recordedMessage.content);
  assert.equal(results.anthropicCreate?.outputTokens, recordedMessage.usage.output_tokens);

  const anthropicStream = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
  assert.equal(results.anthropicStream?.text, anthropicStream.text);
  assert.equal(results.anthropicStream?.stopReason, anthropicStream.finish);
  assert.equal(results.anthropicStream?.outputTokens, anthropicStream.usage.output_tokens);

  const recordedCompletion = JSON.parse(readFileSync(fixturePath("openai/openai-text.json"), "utf8"));
  assert.equal(results.openaiCreate?.content, recordedCompletion.choices[0].message.content);
  assert.equal(results.openaiCreate?.totalTokens, recordedCompletion.usage.total_tokens);

  const openaiStream = openaiExpected(fixtureLines("openai/openai-text.chunks.txt"));
  assert.equal(results.openaiStream?.text, openaiStream.text);
  assert.equal(results.openaiStream?.totalTokens, openaiStream.usage.total_tokens);

  const deepseekStream = openaiExpected(fixtureLines("deepseek/deepseek-reasoning.chunks.txt"));
  assert.equal(results.deepseekStream?.text, deepseekStream.text);
  assert.equal(results.deepseekStream?.reasoning, deepseekStream.reasoning);

  const fixture = new FixtureStore().lookup("deepseek/deepseek-text", true);
  assert.ok(fixture.found);
  assert.equal(results.rawStream?.status, 200);
  assert.ok(
    Buffer.from(String(results.rawStream?.base64), "base64").equals(Buffer.concat(fixture.fixture.chunks)),
    "fetch through the proxy receives the upstream bytes unchanged",
  );

  const seen = harness.simulator.requests.slice(upstreamBefore);
  assert.equal(seen.length, 6, "every call went through the sidecar to the simulator");
  const byPath = (path: string) => seen.filter((request) => request.path === path);
  for (const request of byPath("/v1/messages"))
    assert.equal(request.headers["x-api-key"], upstreamKeys.anthropic);
  for (const request of byPath("/v1/chat/completions")) {
    assert.equal(request.headers.authorization, `Bearer ${upstreamKeys.openai}`);
  }
  for (const request of byPath("/chat/completions")) {
    assert.equal(request.headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
  }
  assert.equal(
    byPath("/v1/messages").length +
      byPath("/v1/chat/completions").length +
      byPath("/chat/completions").length,
    6,
  );
  assert.ok(
    !JSON.stringify(seen.map((request) => request.headers)).includes(placeholder),
    "the app's key never leaves the pod",
  );
  const doors = harness.finished.slice(-6).map((exchange) => exchange.request.door);
  assert.deepEqual(new Set(doors), new Set(["intercept"]));
});
