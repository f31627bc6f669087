// Non-streaming JSON fixtures converted to the other dialect and read back by that dialect's official SDK.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { convertResponse } from "../../src/convert/convert-response.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { fixturesDirectory, readCassetteResponse, readFixture } from "../streaming/fixtures.ts";
import { type PlayServer, playServer } from "./sdk-harness.ts";

let server: PlayServer;
let body: Uint8Array = new Uint8Array();

before(async () => {
  server = await playServer(() => ({ status: 200, contentType: "application/json", chunks: [body] }));
});

after(() => server.close());

const anthropicFixtures = readdirSync(join(fixturesDirectory(), "anthropic")).filter((file) =>
  file.endsWith(".json"),
);

for (const file of anthropicFixtures) {
  test(`anthropic/${file} → Chat Completions JSON → openai SDK`, async () => {
    const original = JSON.parse(readFixture(`anthropic/${file}`));
    body = convertResponse("anthropic", "openai", readFixture(`anthropic/${file}`), {
      now: () => 1_700_000_000_000,
    });
    const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "x" }],
    });
    const blocks = original.content as Record<string, unknown>[];
    const text = blocks.filter((block) => block.type === "text").map((block) => block.text);
    const thinking = blocks.filter((block) => block.type === "thinking").map((block) => block.thinking);
    const tools = blocks.filter((block) => block.type === "tool_use");
    const message = completion.choices[0]!.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string;
    };
    assert.equal(completion.id, original.id);
    assert.equal(completion.model, original.model);
    assert.equal(completion.created, 1_700_000_000);
    assert.equal(message.content, text.length === 0 ? null : text.join(""));
    assert.equal(message.reasoning_content, thinking.length === 0 ? undefined : thinking.join(""));
    assert.deepEqual(
      (message.tool_calls ?? []).map((call) => {
        assert.equal(call.type, "function");
        return { id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) };
      }),
      tools.map((tool) => ({ id: tool.id, name: tool.name, input: tool.input })),
    );
    const usage = original.usage;
    assert.equal(
      completion.usage?.prompt_tokens,
      usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
    );
    assert.equal(completion.usage?.completion_tokens, usage.output_tokens);
    const finish = {
      end_turn: "stop",
      tool_use: "tool_calls",
      refusal: "content_filter",
      max_tokens: "length",
    };
    assert.equal(completion.choices[0]!.finish_reason, finish[original.stop_reason as keyof typeof finish]);
  });
}

const openaiFixtures: [string, () => string][] = [
  ...["deepseek-text", "deepseek-reasoning", "deepseek-tool-call", "deepseek-json"].map(
    (name): [string, () => string] => [`deepseek/${name}.json`, () => readFixture(`deepseek/${name}.json`)],
  ),
  ["openai/openai-text.json", () => readFixture("openai/openai-text.json")],
  ["openai/cassette-chat-tools.yaml", () => readCassetteResponse("openai/cassette-chat-tools.yaml").body],
];

for (const [name, read] of openaiFixtures) {
  test(`${name} → Anthropic Messages JSON → @anthropic-ai/sdk`, async () => {
    const original = JSON.parse(read());
    body = convertResponse("openai", "anthropic", read());
    const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
    const message = await client.messages.create({
      model: "deepseek",
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
    });
    const choice = original.choices[0].message;
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : []));
    const thinking = message.content.flatMap((block) => (block.type === "thinking" ? [block.thinking] : []));
    const tools = message.content.flatMap((block) =>
      block.type === "tool_use" ? [{ id: block.id, name: block.name, input: block.input }] : [],
    );
    assert.equal(message.id, original.id);
    assert.equal(message.model, original.model);
    assert.equal(text.join(""), choice.content ?? "");
    assert.equal(thinking.join(""), choice.reasoning_content ?? "");
    assert.deepEqual(
      tools,
      (choice.tool_calls ?? []).map(
        (call: { id: string; function: { name: string; arguments: string } }) => ({
          id: call.id,
          name: call.function.name,
          input: JSON.parse(call.function.arguments),
        }),
      ),
    );
    const usage = original.usage;
    const cacheRead = usage.prompt_cache_hit_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? 0;
    assert.equal(
      message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0),
      usage.prompt_tokens,
    );
    assert.equal(message.usage.cache_read_input_tokens ?? 0, cacheRead);
    assert.equal(message.usage.output_tokens, usage.completion_tokens);
    assert.equal(
      message.usage.output_tokens_details?.thinking_tokens,
      usage.completion_tokens_details?.reasoning_tokens,
    );
    const stop = { stop: "end_turn", tool_calls: "tool_use", length: "max_tokens" };
    assert.equal(message.stop_reason, stop[original.choices[0].finish_reason as keyof typeof stop]);
  });
}

test("a body that is not a response of the dialect is a 502 upstream_error", () => {
  for (const bad of ["{nope", '{"hello":1}']) {
    assert.throws(
      () => convertResponse("openai", "anthropic", bad),
      (error: unknown) =>
        error instanceof ProxyError && error.code === "upstream_error" && error.status === 502,
    );
  }
});

test("same dialect passes the body through byte for byte", () => {
  const raw = readFixture("anthropic/anthropic-text.json");
  assert.equal(convertResponse("anthropic", "anthropic", raw).toString("utf8"), raw);
});
