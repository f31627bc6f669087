// The unified routes: each official SDK asks any model in its own dialect; the sidecar converts both ways.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createProtobufDecoder } from "../../src/streaming/protobuf-decoder.ts";
import {
  anthropicExpected,
  fixtureLines,
  fixturePath,
  openaiExpected,
} from "../support/fixture-expectations.ts";
import { type Harness, harnessConfig, startHarness, upstreamKeys } from "../support/sidecar-harness.ts";

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

const lastUpstream = () => harness.simulator.requests.filter((request) => request.method === "POST").at(-1);

describe("OpenAI SDK on /v1/chat/completions asking claude-*", () => {
  const openai = () =>
    new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/v1`, apiKey: "placeholder", maxRetries: 0 });

  test("non-streaming: an OpenAI-shaped answer from the Anthropic simulator", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("anthropic/anthropic-text.json"), "utf8"));
    const { data: completion, response } = await openai()
      .chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hello" }] })
      .withResponse();
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.choices[0]?.message.content, recorded.content[0].text);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.model, recorded.model, "the model that really answered");
    assert.equal(completion.usage?.completion_tokens, recorded.usage.output_tokens);
    assert.equal(response.headers.get("x-outrigger-provider"), "anthropic");
    const upstream = lastUpstream();
    assert.equal(upstream?.path, "/v1/messages");
    assert.equal(upstream?.headers["x-api-key"], upstreamKeys.anthropic);
    const sent = JSON.parse(upstream?.body ?? "{}");
    assert.equal(sent.model, "claude-sonnet-4-5");
    assert.equal(
      typeof sent.max_tokens,
      "number",
      "Anthropic requires max_tokens; the converter supplies it",
    );
  });

  test("streaming with include_usage: text and the usage trailer", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const stream = await openai().chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, expected.text);
    assert.equal(finish, "stop");
    assert.equal(usage?.completion_tokens, expected.usage.output_tokens);
  });

  test("streamed tool calls assemble with the OpenAI SDK's helper", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-json-tool.1.chunks.txt"));
    const completion = await openai()
      .chat.completions.stream(
        {
          model: "claude-haiku-4-5",
          messages: [{ role: "user", content: "Use the tool" }],
          tools: [{ type: "function", function: { name: "json", parameters: { type: "object" } } }],
        },
        { headers: { "x-simulator-fixture": "anthropic/anthropic-json-tool.1" } },
      )
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.function.name, expected.toolCalls[0]?.name);
    assert.deepEqual(JSON.parse(call.function.arguments), JSON.parse(expected.toolCalls[0]?.arguments ?? ""));
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
  });
});

describe("Anthropic SDK on /v1/messages asking deepseek-*", () => {
  const anthropic = () =>
    new Anthropic({ baseURL: harness.sidecar.proxyUrl, apiKey: "placeholder", maxRetries: 0 });

  test("streamed thinking and text from deepseek-reasoner", async () => {
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-reasoning.chunks.txt"));
    const message = await anthropic()
      .messages.stream({
        model: "deepseek-reasoner",
        max_tokens: 1024,
        messages: [{ role: "user", content: "Think" }],
      })
      .finalMessage();
    const thinking = message.content
      .map((block) => (block.type === "thinking" ? block.thinking : ""))
      .join("");
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    assert.equal(thinking, expected.reasoning);
    assert.equal(text, expected.text);
    assert.equal(message.usage.output_tokens, expected.usage.completion_tokens);
    const upstream = lastUpstream();
    assert.equal(upstream?.path, "/v1/chat/completions");
    assert.equal(upstream?.headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
  });

  test("streamed tool_use with parsed input", async () => {
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-tool-call.chunks.txt"));
    const message = await anthropic()
      .messages.stream({
        model: "deepseek-chat",
        max_tokens: 512,
        messages: [{ role: "user", content: "Call it" }],
        tools: [{ name: "f", input_schema: { type: "object" } }],
      })
      .finalMessage();
    const toolUses = message.content.filter((block) => block.type === "tool_use");
    assert.equal(toolUses.length, expected.toolCalls.length);
    for (const [index, block] of toolUses.entries()) {
      assert.equal(block.name, expected.toolCalls[index]?.name);
      assert.deepEqual(block.input, JSON.parse(expected.toolCalls[index]?.arguments ?? ""));
    }
    assert.equal(message.stop_reason, "tool_use");
  });

  test("non-streaming: an Anthropic message from DeepSeek's JSON", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("deepseek/deepseek-text.json"), "utf8"));
    const message = await anthropic().messages.create({
      model: "deepseek-chat",
      max_tokens: 512,
      messages: [{ role: "user", content: "Hello" }],
    });
    assert.equal(message.type, "message");
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    assert.equal(text, recorded.choices[0].message.content);
    assert.equal(message.model, recorded.model);
  });

  test("an unknown model is a 404 in the Anthropic dialect naming the rules", async () => {
    const error = await anthropic()
      .messages.create({ model: "mistral-large", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Anthropic.NotFoundError, String(error));
    assert.match(error.message, /claude-\*/);
  });
});

describe("standard encodings on the unified routes", () => {
  test("Accept: application/x-ndjson streams standard events", async () => {
    const response = await fetch(`${harness.sidecar.proxyUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: [] }),
    });
    assert.equal(response.headers.get("content-type"), "application/x-ndjson");
    const events = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; text?: string });
    assert.equal(events[0]?.type, "response-start");
    assert.equal(events.at(-1)?.type, "response-end");
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const text = events
      .filter((event) => event.type === "text-delta")
      .map((event) => event.text)
      .join("");
    assert.equal(text, expected.text);
  });

  test("Accept: application/x-protobuf answers length-delimited protobuf", async () => {
    const response = await fetch(`${harness.sidecar.proxyUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/x-protobuf" },
      body: JSON.stringify({
        model: "deepseek-chat",
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    assert.equal(response.headers.get("content-type"), "application/x-protobuf");
    const bytes = Buffer.from(await response.arrayBuffer());
    const decoder = createProtobufDecoder();
    const events = [...decoder.push(bytes), ...decoder.end()];
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-text.chunks.txt"));
    const text = events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
    assert.equal(text, expected.text);
    const end = events.at(-1);
    assert.ok(end?.type === "response-end");
    assert.equal(end.finishReason, "length");
  });
});

describe("a converted answer that breaks off", () => {
  let small: Harness;
  before(async () => {
    small = await startHarness({
      config: (url) => {
        const config = harnessConfig(url) as { providers: Record<string, Record<string, unknown>> };
        config.providers.anthropic = {
          ...config.providers.anthropic,
          resilience: { retry: { maxAttempts: 1 }, bulkhead: { maxConcurrent: 2, queueTimeout: "1s" } },
        };
        return config;
      },
    });
  });
  after(async () => {
    await small.close();
  });

  test("is an in-dialect error, and frees its slot for the next requests", async () => {
    const openai = new OpenAI({
      baseURL: `${small.sidecar.proxyUrl}/v1`,
      apiKey: "placeholder",
      maxRetries: 0,
    });
    const ask = () =>
      openai.chat.completions.create({
        model: "claude-sonnet-4-5",
        messages: [{ role: "user", content: "Hi" }],
      });
    // Half the JSON body, then the socket is destroyed: twice, as many as the provider has slots.
    small.simulator.script([{ cutAfterEvents: 1 }, { cutAfterEvents: 1 }]);
    for (let index = 0; index < 2; index++) {
      const error = await ask().catch((caught: unknown) => caught);
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 502);
    }
    const completion = await ask();
    assert.ok(completion.choices[0]?.message.content, "the slots were released");
  });
});
