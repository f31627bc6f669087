// Fallback to a provider of the other dialect: the answer is converted back, so the app's SDK never notices.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { quickRetry, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import { anthropicExpected, fixtureLines, openaiExpected } from "../support/fixture-expectations.ts";
import { type Harness, upstreamKeys } from "../support/sidecar-harness.ts";

const resilience = { retry: { ...quickRetry, maxAttempts: 2 } };

describe("an Anthropic upstream failing with 529 falls back to DeepSeek", () => {
  let harness: Harness;
  before(async () => {
    harness = await startResilienceHarness({
      anthropic: { resilience, fallback: [{ provider: "deepseek", model: "deepseek-chat" }] },
    });
  });
  after(async () => {
    await harness.close();
  });

  test("the Anthropic SDK's stream is a valid Anthropic stream of DeepSeek's answer", async () => {
    harness.simulator.script([
      { path: "/v1/messages", respond: { status: 529 } },
      { path: "/v1/messages", respond: { status: 529 } },
    ]);
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-text.chunks.txt"));
    const anthropic = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: "placeholder",
    });
    const stream = anthropic.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 512,
      messages: [{ role: "user", content: "Hello" }],
    });
    const message = await stream.finalMessage();
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    assert.equal(text, expected.text);
    assert.equal(message.model, "deepseek-chat", "the model that really answered");
    assert.equal(message.stop_reason, "max_tokens", "DeepSeek's `length` in Anthropic terms");
    assert.equal(message.usage.output_tokens, expected.usage.completion_tokens);
    const posts = upstreamPosts(harness);
    assert.deepEqual(
      posts.map((post) => post.path),
      ["/v1/messages", "/v1/messages", "/v1/chat/completions"],
      "two attempts on Anthropic, then DeepSeek",
    );
    const fallback = posts.at(-1)!;
    assert.equal(fallback.headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
    assert.equal(JSON.parse(fallback.body).model, "deepseek-chat");
  });

  test("when the fallback fails too, the client gets one error and does not retry", async () => {
    harness.simulator.reset();
    harness.simulator.script([
      { path: "/v1/messages", respond: { status: 529 } },
      { path: "/v1/messages", respond: { status: 529 } },
      { path: "/v1/chat/completions", respond: { status: 503 } },
      { path: "/v1/chat/completions", respond: { status: 503 } },
      { path: "/v1/messages", respond: { status: 529 } },
      { path: "/v1/chat/completions", respond: { status: 503 } },
    ]);
    const anthropic = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: "placeholder",
    });
    const error = await anthropic.messages
      .create({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.equal(error.headers?.get("x-should-retry"), "false");
    // Each provider runs its own policy: anthropic's 2 attempts, then deepseek's default 3; none from the SDK.
    assert.deepEqual(
      upstreamPosts(harness).map((post) => post.path),
      [
        "/v1/messages",
        "/v1/messages",
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/chat/completions",
      ],
    );
  });
});

describe("a unified-route models rule falls back across dialects", () => {
  let harness: Harness;
  before(async () => {
    harness = await startResilienceHarness({ deepseek: { resilience } }, (config) => {
      config.models = [
        {
          match: "deepseek-*",
          provider: "deepseek",
          fallback: [{ provider: "anthropic", model: "claude-sonnet-4-5" }],
        },
        { match: "claude-*", provider: "anthropic" },
      ];
    });
  });
  after(async () => {
    await harness.close();
  });

  test("the OpenAI SDK asking deepseek-chat gets Claude's answer in OpenAI shape", async () => {
    harness.simulator.script([
      { path: "/v1/chat/completions", respond: { status: 503 } },
      { path: "/v1/chat/completions", respond: { status: 503 } },
    ]);
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/v1`, apiKey: "placeholder" });
    const { data: stream, response } = await openai.chat.completions
      .create({ model: "deepseek-chat", messages: [{ role: "user", content: "Hello" }], stream: true })
      .withResponse();
    let text = "";
    let model = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      model = chunk.model;
    }
    assert.equal(text, expected.text);
    assert.equal(model, expected.model);
    assert.equal(response.headers.get("x-outrigger-provider"), "anthropic");
    const fallback = upstreamPosts(harness).at(-1)!;
    assert.equal(fallback.path, "/v1/messages");
    assert.equal(JSON.parse(fallback.body).model, "claude-sonnet-4-5");
  });
});
