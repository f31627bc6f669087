// A stream still running when the shutdown grace is over ends with the dialect's error event, which the SDK raises.
import assert from "node:assert/strict";
import { test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startHarness } from "../support/sidecar-harness.ts";

// 200 ms between events: the fixtures' streams run for seconds, the grace below is 300 ms.
const slow = { "x-simulator-chunk-latency": "200" };
const grace = 300;

test("Anthropic SDK: the stream cut at the grace raises overloaded_error; nothing looks complete", {
  timeout: 20_000,
}, async () => {
  const harness = await startHarness();
  const anthropic = new Anthropic({
    baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  const stream = anthropic.messages.stream(
    { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
    { headers: slow },
  );
  let text = "";
  stream.on("text", (delta) => {
    text += delta;
  });
  const outcome = stream.finalMessage().then(
    () => undefined,
    (error: unknown) => error,
  );
  // Stop once the answer has begun to flow.
  while (text === "") await new Promise((resolve) => setTimeout(resolve, 20));
  const stopped = harness.sidecar.stop(grace);
  const error = await outcome;
  assert.ok(error instanceof Anthropic.APIError, `the SDK raised: ${String(error)}`);
  assert.match(String(error.message), /shutting down/);
  assert.equal((error.error as { error?: { type?: string } }).error?.type, "overloaded_error");
  assert.equal(await stopped, false, "the grace ran out");
  await harness.simulator.close();
});

test("OpenAI SDK (DeepSeek): the stream cut at the grace raises the error it was sent", {
  timeout: 20_000,
}, async () => {
  const harness = await startHarness();
  const deepseek = new OpenAI({
    baseURL: `${harness.sidecar.proxyUrl}/deepseek`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  const stream = await deepseek.chat.completions.create(
    { model: "deepseek-chat", stream: true, messages: [{ role: "user", content: "Hi" }] },
    { headers: slow },
  );
  let stopped: Promise<boolean> | undefined;
  const error = await (async () => {
    try {
      for await (const _chunk of stream) stopped ??= harness.sidecar.stop(grace);
      return undefined;
    } catch (thrown) {
      return thrown;
    }
  })();
  assert.ok(error instanceof OpenAI.APIError, `the SDK raised: ${String(error)}`);
  assert.match(String(error.message), /shutting down/);
  assert.equal(await stopped, false);
  await harness.simulator.close();
});
