// Every DeepSeek/OpenAI fixture stream, converted to Anthropic SSE, as `@anthropic-ai/sdk`'s MessageStream assembles it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { createStreamConverter } from "../../src/convert/create-stream-converter.ts";
import {
  openaiChunksToSse,
  readCassetteResponse,
  readFixture,
  readFixtureBytes,
} from "../streaming/fixtures.ts";
import { type PlayServer, playServer, splitBytes } from "./sdk-harness.ts";

interface Expected {
  text: string;
  reasoning: string;
  tools: { id: string; name: string; arguments: string }[];
  usage?: Record<string, unknown>;
  finishReason?: string;
}

/** An independent reading of the original chunks: what an OpenAI client would have assembled. */
function openaiOracle(payloads: Record<string, unknown>[]): Expected {
  const expected: Expected = { text: "", reasoning: "", tools: [] };
  const tools = new Map<number, { id: string; name: string; arguments: string }>();
  for (const payload of payloads) {
    if (payload.usage !== null && payload.usage !== undefined)
      expected.usage = payload.usage as Record<string, unknown>;
    for (const choice of (payload.choices ?? []) as Record<string, unknown>[]) {
      if (typeof choice.finish_reason === "string") expected.finishReason = choice.finish_reason;
      const delta = (choice.delta ?? {}) as Record<string, unknown>;
      if (typeof delta.content === "string") expected.text += delta.content;
      if (typeof delta.reasoning_content === "string") expected.reasoning += delta.reasoning_content;
      for (const call of (delta.tool_calls ?? []) as Record<string, unknown>[]) {
        const index = call.index as number;
        const fn = (call.function ?? {}) as Record<string, string>;
        let tool = tools.get(index);
        if (tool === undefined) {
          tool = { id: call.id as string, name: fn.name!, arguments: "" };
          tools.set(index, tool);
          expected.tools.push(tool);
        }
        tool.arguments += fn.arguments ?? "";
      }
    }
  }
  return expected;
}

function sseDataPayloads(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data:") && line.slice(5).trim() !== "[DONE]")
    .map((line) => JSON.parse(line.slice(5)));
}

interface Case {
  readonly name: string;
  bytes(): Uint8Array;
  payloads(): Record<string, unknown>[];
}

function chunksCase(path: string): Case {
  return {
    name: path,
    bytes: () => openaiChunksToSse(path),
    payloads: () => sseDataPayloads(new TextDecoder().decode(openaiChunksToSse(path))),
  };
}

const cases: Case[] = [
  chunksCase("deepseek/deepseek-text.chunks.txt"),
  chunksCase("deepseek/deepseek-reasoning.chunks.txt"),
  chunksCase("deepseek/deepseek-tool-call.chunks.txt"),
  chunksCase("openai/openai-text.chunks.txt"),
  chunksCase("openai-compatible/xai-tool-call.chunks.txt"),
  {
    name: "openai-compatible/anthropic-fallback-tool-call.sse",
    bytes: () => readFixtureBytes("openai-compatible/anthropic-fallback-tool-call.sse"),
    payloads: () => sseDataPayloads(readFixture("openai-compatible/anthropic-fallback-tool-call.sse")),
  },
  ...["openai/cassette-chat-streaming.yaml", "openai/cassette-chat-streaming-detailed-usage.yaml"].map(
    (path) => ({
      name: path,
      bytes: () => new TextEncoder().encode(readCassetteResponse(path).body),
      payloads: () => sseDataPayloads(readCassetteResponse(path).body),
    }),
  ),
];

const stopReasons: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
};

let server: PlayServer;
let current: Case = cases[0]!;

before(async () => {
  server = await playServer(() => {
    const converter = createStreamConverter("openai", "anthropic", { provider: "deepseek" });
    const chunks = splitBytes(current.bytes(), current.name.length).flatMap((piece) => converter.push(piece));
    return { status: 200, contentType: "text/event-stream", chunks: [...chunks, ...converter.end()] };
  });
});

after(() => server.close());

for (const fixture of cases) {
  test(`${fixture.name} → Anthropic SSE → MessageStream.finalMessage() equals the original`, async () => {
    current = fixture;
    const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
    const message = await client.messages
      .stream({ model: "deepseek-any", max_tokens: 100, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();
    const expected = openaiOracle(fixture.payloads());
    let text = "";
    let thinking = "";
    const tools: { id: string; name: string; input: unknown }[] = [];
    for (const block of message.content) {
      if (block.type === "text") text += block.text;
      else if (block.type === "thinking") thinking += block.thinking;
      else if (block.type === "tool_use") tools.push({ id: block.id, name: block.name, input: block.input });
      else assert.fail(`unexpected block ${block.type}`);
    }
    assert.equal(text, expected.text);
    assert.equal(thinking, expected.reasoning);
    assert.deepEqual(
      tools,
      expected.tools.map((tool) => ({
        id: tool.id,
        name: tool.name,
        input: JSON.parse(tool.arguments || "{}"),
      })),
    );
    const usage = (expected.usage ?? {}) as {
      prompt_tokens?: number;
      completion_tokens?: number;
      prompt_cache_hit_tokens?: number;
      prompt_tokens_details?: { cached_tokens?: number };
      completion_tokens_details?: { reasoning_tokens?: number };
    };
    const cacheRead = message.usage.cache_read_input_tokens ?? 0;
    assert.equal(
      message.usage.input_tokens + cacheRead + (message.usage.cache_creation_input_tokens ?? 0),
      usage.prompt_tokens ?? 0,
    );
    assert.equal(message.usage.output_tokens, usage.completion_tokens ?? 0);
    assert.equal(cacheRead, usage.prompt_cache_hit_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? 0);
    assert.equal(
      message.usage.output_tokens_details?.thinking_tokens,
      usage.completion_tokens_details?.reasoning_tokens,
    );
    assert.equal(message.stop_reason, stopReasons[expected.finishReason ?? "stop"]);
    assert.ok(message.id.length > 0);
    assert.notEqual(message.model, "deepseek-any", "the model that really answered is reported");
  });
}

test("parallel tool calls whose fragments interleave are each assembled whole by the Anthropic SDK", async () => {
  const chunk = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const call = (index: number, fields: Record<string, unknown>): unknown => ({
    tool_calls: [{ index, ...fields }],
  });
  const body = [
    chunk({ role: "assistant", content: null }),
    chunk(call(0, { id: "call_a", type: "function", function: { name: "weather", arguments: "" } })),
    chunk(call(1, { id: "call_b", type: "function", function: { name: "time", arguments: '{"zone":' } })),
    chunk(call(0, { function: { arguments: '{"city":"Oslo"}' } })),
    chunk(call(1, { function: { arguments: '"CET"}' } })),
    chunk({}, "tool_calls"),
    "data: [DONE]\n\n",
  ].join("");
  current = { name: "interleaved", bytes: () => Buffer.from(body), payloads: () => [] };
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
  const message = await client.messages
    .stream({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] })
    .finalMessage();
  assert.deepEqual(
    message.content.map((block) =>
      block.type === "tool_use" ? [block.id, block.name, block.input] : block.type,
    ),
    [
      ["call_a", "weather", { city: "Oslo" }],
      ["call_b", "time", { zone: "CET" }],
    ],
  );
  assert.equal(message.stop_reason, "tool_use");
});
