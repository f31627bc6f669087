// The official SDKs through the base-URL door, against the simulator: answers, injected keys, exact bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  fixtureLines,
  fixturePath,
  openaiExpected,
} from "../support/fixture-expectations.ts";
import { type Harness, startHarness, upstreamKeys } from "../support/sidecar-harness.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
let harness: Harness;

before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

function lastUpstreamRequest() {
  const requests = harness.simulator.requests.filter((request) => request.method === "POST");
  const last = requests.at(-1);
  assert.ok(last, "the simulator saw a request");
  return last;
}

function assertKeyInjected(header: "x-api-key" | "authorization", key: string): void {
  const seen = lastUpstreamRequest().headers;
  const expected = header === "authorization" ? `Bearer ${key}` : key;
  assert.equal(seen[header], expected);
  assert.ok(!JSON.stringify(seen).includes(clientKey), "the client's key never reaches the upstream");
}

describe("Anthropic SDK via ANTHROPIC_BASE_URL", () => {
  const anthropic = () =>
    new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });

  test("messages.create returns the recorded message", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("anthropic/anthropic-text.json"), "utf8"));
    const message = await anthropic().messages.create(
      { model: "claude-sonnet-4-5", max_tokens: 128, messages: [{ role: "user", content: "Hello" }] },
      { headers: { "anthropic-beta": "test-beta-2025" } },
    );
    assert.deepEqual(message.content, recorded.content);
    assert.equal(message.usage.output_tokens, recorded.usage.output_tokens);
    assertKeyInjected("x-api-key", upstreamKeys.anthropic);
    assert.ok(lastUpstreamRequest().headers["anthropic-version"], "anthropic-version kept");
    assert.equal(lastUpstreamRequest().headers["anthropic-beta"], "test-beta-2025", "anthropic-beta kept");
  });

  test("messages.stream().finalMessage() assembles the recorded stream", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const message = await anthropic()
      .messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 128,
        messages: [{ role: "user", content: "Hi" }],
      })
      .finalMessage();
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    assert.equal(text, expected.text);
    assert.equal(message.stop_reason, expected.finish);
    assert.equal(message.usage.output_tokens, expected.usage.output_tokens);
    assertKeyInjected("x-api-key", upstreamKeys.anthropic);
  });

  test("a streamed tool call arrives with its parsed input", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-json-tool.1.chunks.txt"));
    const message = await anthropic()
      .messages.stream(
        {
          model: "claude-haiku-4-5",
          max_tokens: 256,
          messages: [{ role: "user", content: "Use the tool" }],
          tools: [{ name: "json", input_schema: { type: "object" } }],
        },
        { headers: { "x-simulator-fixture": "anthropic/anthropic-json-tool.1" } },
      )
      .finalMessage();
    const toolUses = message.content.filter((block) => block.type === "tool_use");
    assert.equal(toolUses.length, expected.toolCalls.length);
    assert.equal(toolUses[0]?.name, expected.toolCalls[0]?.name);
    assert.deepEqual(toolUses[0]?.input, JSON.parse(expected.toolCalls[0]?.arguments ?? ""));
  });
});

describe("OpenAI SDK via OPENAI_BASE_URL", () => {
  const openai = () => new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: clientKey });

  test("chat.completions.create (non-streaming) returns the recorded completion", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("openai/openai-text.json"), "utf8"));
    const completion = await openai().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
    });
    assert.equal(completion.choices[0]?.message.content, recorded.choices[0].message.content);
    assert.equal(completion.usage?.total_tokens, recorded.usage.total_tokens);
    assertKeyInjected("authorization", upstreamKeys.openai);
    assert.equal(lastUpstreamRequest().path, "/v1/chat/completions");
  });

  test("chat.completions.create (streaming) yields the recorded text and usage trailer", async () => {
    const expected = openaiExpected(fixtureLines("openai/openai-text.chunks.txt"));
    const stream = await openai().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let totalTokens: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) totalTokens = chunk.usage.total_tokens;
    }
    assert.equal(text, expected.text);
    assert.equal(totalTokens, expected.usage.total_tokens);
    assertKeyInjected("authorization", upstreamKeys.openai);
  });

  test("non-streaming tool calls (recorded cassette) come back parsed", async () => {
    const completion = await openai().chat.completions.create(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "weather?" }],
        tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
      },
      { headers: { "x-simulator-fixture": "openai/cassette-chat-tools" } },
    );
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === "function");
    assert.ok(call.function.name.length > 0);
    assert.doesNotThrow(() => JSON.parse(call.function.arguments));
  });
});

describe("OpenAI SDK pointed at /deepseek", () => {
  const deepseek = () => new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/deepseek`, apiKey: clientKey });

  test("streamed reasoning and text match the recording", async () => {
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-reasoning.chunks.txt"));
    const stream = await deepseek().chat.completions.create({
      model: "deepseek-reasoner",
      messages: [{ role: "user", content: "Think" }],
      stream: true,
    });
    let text = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | { content?: string | null; reasoning_content?: string }
        | undefined;
      text += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    assert.equal(text, expected.text);
    assert.equal(reasoning, expected.reasoning);
    assert.ok(reasoning.length > 0);
    assertKeyInjected("authorization", upstreamKeys.deepseek);
    assert.equal(lastUpstreamRequest().path, "/chat/completions");
  });

  test("streamed tool calls assemble to the recorded name and arguments", async () => {
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-tool-call.chunks.txt"));
    const completion = await deepseek()
      .chat.completions.stream({
        model: "deepseek-chat",
        messages: [{ role: "user", content: "Call it" }],
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      })
      .finalChatCompletion();
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    assert.equal(calls.length, expected.toolCalls.length);
    for (const [index, call] of calls.entries()) {
      assert.ok(call.type === "function");
      assert.equal(call.function.name, expected.toolCalls[index]?.name);
      assert.deepEqual(
        JSON.parse(call.function.arguments),
        JSON.parse(expected.toolCalls[index]?.arguments ?? ""),
      );
    }
  });
});

describe("bytes pass through unchanged", () => {
  const store = () => new FixtureStore();
  for (const [prefix, fixture, streaming] of [
    ["anthropic", "anthropic/anthropic-clear-thinking.1", true],
    ["anthropic", "anthropic/sdk-basic_response", true],
    ["deepseek", "deepseek/deepseek-text", true],
    ["deepseek", "deepseek/deepseek-json", false],
    ["openai/v1", "openai/cassette-chat-streaming", true],
  ] as const) {
    test(`${fixture} (${streaming ? "stream" : "json"}) reaches the client byte for byte`, async () => {
      const lookup = store().lookup(fixture, streaming);
      assert.ok(lookup.found);
      const sent = Buffer.concat(lookup.fixture.chunks);
      const path = prefix === "anthropic" ? "/v1/messages" : "/chat/completions";
      const response = await fetch(`${harness.sidecar.proxyUrl}/${prefix}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-simulator-fixture": fixture },
        body: JSON.stringify({ model: "m", stream: streaming, messages: [] }),
      });
      const received = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, lookup.fixture.status);
      assert.ok(received.equals(sent), `received ${received.length} bytes, upstream sent ${sent.length}`);
    });
  }
});
