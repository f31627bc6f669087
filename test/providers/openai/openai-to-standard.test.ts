// Tests Chat Completions → standard decoding against every OpenAI, DeepSeek and compatible fixture.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createOpenAIDecoder,
  openaiFinishReason,
  openaiResponseToStandard,
} from "../../../src/providers/openai/openai-to-standard.ts";
import type { StandardEventDecoder } from "../../../src/schema/standard-event.ts";
import {
  assertSplitInvariant,
  chunkPayloads,
  decodeWhole,
  openaiChunksToSse,
  readCassetteResponse,
  readFixtureBytes,
  readFixtureJson,
  summarize,
} from "../../streaming/fixtures.ts";

const sse = (): StandardEventDecoder => createOpenAIDecoder("text/event-stream")!;
const json = (): StandardEventDecoder => createOpenAIDecoder("application/json")!;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

type Delta = { content?: string | null; reasoning_content?: string | null };

/** Content and reasoning of a chunks file read straight from its JSON lines: the oracle for decoded text. */
function fixtureTexts(payloads: unknown[]): { text: string; reasoning: string } {
  let text = "";
  let reasoning = "";
  for (const payload of payloads as { choices: { delta: Delta }[] }[]) {
    for (const choice of payload.choices) {
      text += choice.delta.content ?? "";
      reasoning += choice.delta.reasoning_content ?? "";
    }
  }
  return { text, reasoning };
}

function dataPayloads(body: string): unknown[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice(6)));
}

interface StreamCase {
  name: string;
  bytes: () => Uint8Array;
  payloads: () => unknown[];
  id: string;
  model: string;
  finish: string;
  raw: string;
  usage: Record<string, number> | undefined;
  textLength: number;
  reasoningLength: number;
  textStart?: string;
  tools: { id: string; name: string; arguments: string }[];
}

const sanFrancisco = { id: "", name: "weather", arguments: '{"location": "San Francisco"}' };

const streamCases: StreamCase[] = [
  {
    name: "deepseek/deepseek-text.chunks.txt",
    bytes: () => openaiChunksToSse("deepseek/deepseek-text.chunks.txt"),
    payloads: () => chunkPayloads("deepseek/deepseek-text.chunks.txt"),
    id: "f6117a0b-129d-46fa-b239-78f01c2c5df9",
    model: "deepseek-chat",
    finish: "length",
    raw: "length",
    // DeepSeek: usage with the finish reason; 0 cache hits of 13 prompt tokens.
    usage: { inputTokens: 13, outputTokens: 400, cacheReadTokens: 0 },
    textLength: 1855,
    reasoningLength: 0,
    textStart: "## **Holiday Name:** Starlight Remembrance",
    tools: [],
  },
  {
    name: "deepseek/deepseek-reasoning.chunks.txt",
    bytes: () => openaiChunksToSse("deepseek/deepseek-reasoning.chunks.txt"),
    payloads: () => chunkPayloads("deepseek/deepseek-reasoning.chunks.txt"),
    id: "cac7192e-e619-40c6-96b0-ed4276bc03ac",
    model: "deepseek-reasoner",
    finish: "stop",
    raw: "stop",
    usage: { inputTokens: 18, outputTokens: 219, cacheReadTokens: 0, reasoningTokens: 205 },
    textLength: 42,
    reasoningLength: 606,
    textStart: 'The word "strawberry" contains three "r"s.',
    tools: [],
  },
  {
    name: "deepseek/deepseek-tool-call.chunks.txt",
    bytes: () => openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"),
    payloads: () => chunkPayloads("deepseek/deepseek-tool-call.chunks.txt"),
    id: "cca85624-4056-401f-b220-d77601d1f70d",
    model: "deepseek-reasoner",
    finish: "tool_calls",
    raw: "tool_calls",
    // 320 of 339 prompt tokens were DeepSeek cache hits (19 misses).
    usage: { inputTokens: 339, outputTokens: 83, cacheReadTokens: 320, reasoningTokens: 39 },
    textLength: 0,
    reasoningLength: 191,
    tools: [{ ...sanFrancisco, id: "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF" }],
  },
  {
    name: "openai/openai-text.chunks.txt",
    bytes: () => openaiChunksToSse("openai/openai-text.chunks.txt"),
    payloads: () => chunkPayloads("openai/openai-text.chunks.txt"),
    id: "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0",
    model: "gpt-4.1-nano-2025-04-14",
    finish: "stop",
    raw: "stop",
    // From the include_usage trailer chunk with `choices: []`.
    usage: { inputTokens: 16, outputTokens: 300, cacheReadTokens: 0, reasoningTokens: 0 },
    textLength: 1724,
    reasoningLength: 0,
    textStart: "**Holiday Name:** Harmony Day",
    tools: [],
  },
  {
    name: "openai-compatible/xai-tool-call.chunks.txt",
    bytes: () => openaiChunksToSse("openai-compatible/xai-tool-call.chunks.txt"),
    payloads: () => chunkPayloads("openai-compatible/xai-tool-call.chunks.txt"),
    id: "7027d986-3c59-a37a-9a5f-50713e01c8a6",
    model: "grok-3-mini",
    finish: "tool_calls",
    raw: "tool_calls",
    usage: { inputTokens: 307, outputTokens: 26, cacheReadTokens: 306, reasoningTokens: 227 },
    textLength: 0,
    reasoningLength: 1069,
    tools: [{ id: "call_79382389", name: "weather", arguments: '{"location":"San Francisco"}' }],
  },
  {
    name: "openai-compatible/anthropic-fallback-tool-call.sse",
    bytes: () => readFixtureBytes("openai-compatible/anthropic-fallback-tool-call.sse"),
    payloads: () =>
      dataPayloads(
        new TextDecoder().decode(readFixtureBytes("openai-compatible/anthropic-fallback-tool-call.sse")),
      ),
    id: "msg_sanitized",
    model: "claude-haiku-4-5-20251001",
    finish: "tool_calls",
    raw: "tool_calls",
    usage: undefined,
    textLength: 11,
    reasoningLength: 0,
    textStart: "Reading it.",
    // `index: 1` after text, then an empty first argument fragment.
    tools: [{ id: "toolu_sanitized", name: "read_file", arguments: '{"path": "a.txt"}' }],
  },
  {
    name: "openai/cassette-chat-streaming.yaml",
    bytes: () => encode(readCassetteResponse("openai/cassette-chat-streaming.yaml").body),
    payloads: () => dataPayloads(readCassetteResponse("openai/cassette-chat-streaming.yaml").body),
    id: "chatcmpl-C4HqHBe4xca0k0EzsCnf1t6V3YFXp",
    model: "gpt-5-nano-2025-08-07",
    finish: "stop",
    raw: "stop",
    usage: undefined,
    textLength: 209,
    reasoningLength: 0,
    textStart: "Hi there! How can I help today?",
    tools: [],
  },
  {
    name: "openai/cassette-chat-streaming-detailed-usage.yaml",
    bytes: () => encode(readCassetteResponse("openai/cassette-chat-streaming-detailed-usage.yaml").body),
    payloads: () =>
      dataPayloads(readCassetteResponse("openai/cassette-chat-streaming-detailed-usage.yaml").body),
    id: "chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY",
    model: "gpt-5-nano-2025-08-07",
    finish: "length",
    raw: "length",
    usage: { inputTokens: 12, outputTokens: 100, cacheReadTokens: 0, reasoningTokens: 100 },
    textLength: 0,
    reasoningLength: 0,
    tools: [],
  },
];

for (const expected of streamCases) {
  test(`stream ${expected.name}: decoded values match the recording, whatever the chunk splits`, () => {
    const events = assertSplitInvariant(sse, expected.bytes());
    const summary = summarize(events);
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.ended, true);
    assert.equal(summary.id, expected.id);
    assert.equal(summary.model, expected.model);
    assert.equal(summary.provider, "openai");
    assert.equal(summary.finishReason, expected.finish);
    assert.equal(summary.rawFinishReason, expected.raw);
    assert.deepEqual(summary.usage, expected.usage ?? {});
    const oracle = fixtureTexts(expected.payloads());
    assert.equal(summary.text, oracle.text);
    assert.equal(summary.reasoning, oracle.reasoning);
    assert.equal(summary.text.length, expected.textLength);
    assert.equal(summary.reasoning.length, expected.reasoningLength);
    assert.ok(summary.text.startsWith(expected.textStart ?? ""));
    assert.deepEqual(summary.toolCalls, expected.tools);
  });
}

test("cassette bodies are replayed byte for byte (YAML read exactly)", () => {
  const recorded = readCassetteResponse("openai/cassette-chat-streaming.yaml");
  assert.equal(encode(recorded.body).length, recorded.contentLength);
  assert.equal(recorded.contentType, "text/event-stream; charset=utf-8");
  assert.ok(createOpenAIDecoder(recorded.contentType));
});

test("parts get distinct indexes: reasoning, text and each tool call", () => {
  const events = decodeWhole(sse, openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"));
  const reasoningIndexes = new Set(
    events.flatMap((event) => (event.type === "reasoning-delta" ? [event.index] : [])),
  );
  const toolIndexes = new Set(
    events.flatMap((event) => (event.type === "tool-call-delta" ? [event.index] : [])),
  );
  assert.deepEqual([...reasoningIndexes], [0]);
  assert.deepEqual([...toolIndexes], [1]);
  const fallback = decodeWhole(sse, readFixtureBytes("openai-compatible/anthropic-fallback-tool-call.sse"));
  assert.deepEqual(
    fallback.filter((event) => event.type === "tool-call-start"),
    [{ type: "tool-call-start", index: 1, id: "toolu_sanitized", name: "read_file" }],
  );
});

const jsonCases = [
  {
    file: "deepseek/deepseek-text.json",
    finish: "length",
    usage: { inputTokens: 13, outputTokens: 300, cacheReadTokens: 0 },
    kinds: ["text"],
  },
  {
    file: "deepseek/deepseek-reasoning.json",
    finish: "stop",
    usage: { inputTokens: 18, outputTokens: 345, cacheReadTokens: 0, reasoningTokens: 315 },
    kinds: ["reasoning", "text"],
  },
  {
    file: "deepseek/deepseek-tool-call.json",
    finish: "tool_calls",
    usage: { inputTokens: 339, outputTokens: 92, cacheReadTokens: 320, reasoningTokens: 48 },
    kinds: ["reasoning", "tool-call"],
  },
  {
    file: "deepseek/deepseek-json.json",
    finish: "stop",
    usage: { inputTokens: 495, outputTokens: 144, cacheReadTokens: 320, reasoningTokens: 118 },
    kinds: ["reasoning", "text"],
  },
  {
    file: "openai/openai-text.json",
    finish: "stop",
    usage: { inputTokens: 16, outputTokens: 363, cacheReadTokens: 0, reasoningTokens: 0 },
    kinds: ["text"],
  },
] as const;

for (const expected of jsonCases) {
  test(`body ${expected.file}: response and the JSON decoder agree with the recording`, () => {
    const body = readFixtureJson(expected.file) as {
      id: string;
      model: string;
      choices: { message: { content: string; reasoning_content?: string } }[];
    };
    const response = openaiResponseToStandard(body, { provider: "deepseek" })!;
    assert.equal(response.provider, "deepseek");
    assert.equal(response.id, body.id);
    assert.equal(response.model, body.model);
    assert.equal(response.finishReason, expected.finish);
    assert.deepEqual(response.usage, expected.usage);
    assert.deepEqual(
      response.parts.map((part) => part.type),
      expected.kinds,
    );
    const message = body.choices[0]!.message;
    for (const part of response.parts) {
      if (part.type === "text") assert.equal(part.text, message.content);
      if (part.type === "reasoning") assert.equal(part.text, message.reasoning_content);
    }
    const decoded = summarize(assertSplitInvariant(json, readFixtureBytes(expected.file)));
    assert.equal(decoded.id, body.id);
    assert.equal(decoded.text, message.content);
    assert.deepEqual(decoded.usage, expected.usage);
    assert.equal(decoded.finishReason, expected.finish);
  });
}

test("deepseek tool call body and the non-streaming tools cassette", () => {
  const deepseek = openaiResponseToStandard(readFixtureJson("deepseek/deepseek-tool-call.json"))!;
  assert.deepEqual(deepseek.parts[1], {
    type: "tool-call",
    ...sanFrancisco,
    id: "call_00_9V0vrf86Pc9aelHCJMZqnJBo",
  });
  const cassette = readCassetteResponse("openai/cassette-chat-tools.yaml");
  const response = openaiResponseToStandard(JSON.parse(cassette.body))!;
  assert.equal(response.id, "chatcmpl-C4GmWI2Sl7HnrQsKorSAZkJy94dpT");
  assert.equal(response.model, "gpt-5-nano-2025-08-07");
  assert.equal(response.finishReason, "tool_calls");
  assert.deepEqual(response.usage, {
    inputTokens: 162,
    outputTokens: 287,
    cacheReadTokens: 0,
    reasoningTokens: 256,
  });
  assert.deepEqual(response.parts, [
    {
      type: "tool-call",
      id: "call_8fxy20OEu9ulvvaa5b5CzVA4",
      name: "get_current_weather",
      arguments: '{"location":"Boston, MA","unit":"fahrenheit"}',
    },
  ]);
  const decoded = summarize(assertSplitInvariant(json, encode(cassette.body)));
  assert.deepEqual(decoded.toolCalls, [
    {
      id: "call_8fxy20OEu9ulvvaa5b5CzVA4",
      name: "get_current_weather",
      arguments: '{"location":"Boston, MA","unit":"fahrenheit"}',
    },
  ]);
});

test("error bodies from the cassettes and the error fixture become error events", () => {
  const cases = [
    ["cassette-chat-bad-request.yaml", 400, "invalid_request_error", "Unsupported parameter: 'max_tokens'"],
    [
      "cassette-chat-unknown-model.yaml",
      404,
      // The code names the cause (`invalid_request_error` is the generic type beside it).
      "model_not_found",
      "The model `gpt-4.1-nano-wrong` does not exist",
    ],
  ] as const;
  for (const [file, status, errorType, message] of cases) {
    const recorded = readCassetteResponse(`openai/${file}`);
    assert.equal(recorded.status, status);
    const events = assertSplitInvariant(json, encode(recorded.body));
    assert.equal(events.length, 1);
    const event = events[0]!;
    assert.ok(
      event.type === "error" && event.errorType === errorType && event.message.startsWith(message),
      file,
    );
    assert.equal(openaiResponseToStandard(JSON.parse(recorded.body)), undefined);
  }
  const legacy = decodeWhole(json, readFixtureBytes("openai/reasoning-model-legacy-parameter-error.json"));
  assert.equal(legacy[0]?.type, "error");
});

test("DeepSeek keep-alive comments and blank lines before the first chunk change nothing", () => {
  const plain = decodeWhole(sse, openaiChunksToSse("deepseek/deepseek-reasoning.chunks.txt"));
  const keepAlive = encode(": keep-alive\n\n\n\n: keep-alive\n\n");
  const bytes = new Uint8Array([
    ...keepAlive,
    ...openaiChunksToSse("deepseek/deepseek-reasoning.chunks.txt"),
  ]);
  assert.deepEqual(assertSplitInvariant(sse, bytes), plain);
});

test("a mid-stream error chunk becomes an error event; nothing after it counts", () => {
  const text = new TextDecoder().decode(openaiChunksToSse("deepseek/deepseek-text.chunks.txt"));
  const frames = text.split("\n\n");
  const bytes = encode(
    [
      ...frames.slice(0, 3),
      'data: {"error":{"message":"Server overloaded","type":"server_error","code":503}}',
      ...frames.slice(3),
    ].join("\n\n"),
  );
  const summary = summarize(assertSplitInvariant(sse, bytes));
  assert.deepEqual(summary.errors, [{ errorType: "server_error", message: "Server overloaded" }]);
  assert.equal(summary.ended, false);
  const error = decodeWhole(sse, bytes).find((event) => event.type === "error");
  assert.deepEqual(error, {
    type: "error",
    errorType: "server_error",
    message: "Server overloaded",
    status: 503,
  });
});

test("a stream cut before any finish has no response-end; one with a finish but no [DONE] still ends", () => {
  const text = new TextDecoder().decode(openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"));
  const cut = summarize(decodeWhole(sse, encode(text.split("\n\n").slice(0, 45).join("\n\n"))));
  assert.deepEqual(cut.errors, []);
  assert.equal(cut.ended, false);
  const noDone = summarize(decodeWhole(sse, encode(text.replace("data: [DONE]\n\n", ""))));
  assert.deepEqual(noDone.errors, []);
  assert.equal(noDone.finishReason, "tool_calls");
  assert.equal(noDone.toolCalls.length, 1);
  assert.deepEqual(
    summarize(decodeWhole(sse, encode("data: nope\n\n"))).errors[0]!.errorType,
    "invalid_stream_data",
  );
});

test("parallel tool calls, legacy function_call and a reused index with a new id", () => {
  const chunk = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: "c", model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const stream = [
    chunk({ role: "assistant" }),
    chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "" } }] }),
    chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: '{"x"' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
    chunk({ tool_calls: [{ index: 1, function: { arguments: ":1}" } }] }),
    chunk({ tool_calls: [{ index: 0, id: "c2", function: { name: "h", arguments: "[]" } }] }),
    chunk({ function_call: { name: "legacy", arguments: '{"y":2}' } }),
    chunk({}, "function_call"),
    "data: [DONE]\n\n",
  ].join("");
  const summary = summarize(assertSplitInvariant(sse, encode(stream)));
  assert.equal(summary.finishReason, "tool_calls");
  assert.equal(summary.rawFinishReason, "function_call");
  const byName = Object.fromEntries(summary.toolCalls.map((call) => [call.name, call]));
  assert.deepEqual(byName.f, { id: "a", name: "f", arguments: "{}" });
  assert.deepEqual(byName.g, { id: "b", name: "g", arguments: '{"x":1}' });
  assert.deepEqual(byName.h, { id: "c2", name: "h", arguments: "[]" });
  assert.deepEqual(byName.legacy, { id: "", name: "legacy", arguments: '{"y":2}' });
});

test("finish reasons map to standard ones, the raw value kept", () => {
  const table = {
    stop: "stop",
    length: "length",
    tool_calls: "tool_calls",
    function_call: "tool_calls",
    content_filter: "content_filter",
    insufficient_system_resource: "error",
    whatever: "other",
  };
  for (const [raw, standard] of Object.entries(table)) assert.equal(openaiFinishReason(raw), standard, raw);
  assert.equal(openaiResponseToStandard({ object: "list" }), undefined);
  assert.equal(openaiResponseToStandard(null), undefined);
});

test("the same stream framed with CRLF or CR line ends decodes identically", () => {
  const text = new TextDecoder().decode(openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"));
  const plain = decodeWhole(sse, encode(text));
  assert.deepEqual(assertSplitInvariant(sse, encode(text.replaceAll("\n", "\r\n"))), plain);
  assert.deepEqual(assertSplitInvariant(sse, encode(text.replaceAll("\n", "\r"))), plain);
});
