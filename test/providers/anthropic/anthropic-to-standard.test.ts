// Tests Anthropic → standard decoding against every recorded Anthropic fixture, whole and split at every byte.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  anthropicFinishReason,
  anthropicResponseToStandard,
  createAnthropicDecoder,
} from "../../../src/providers/anthropic/anthropic-to-standard.ts";
import type { StandardEventDecoder } from "../../../src/schema/standard-event.ts";
import {
  anthropicChunksToSse,
  assertSplitInvariant,
  chunkPayloads,
  decodeWhole,
  readFixtureBytes,
  readFixtureJson,
  summarize,
} from "../../streaming/fixtures.ts";

const sse = (): StandardEventDecoder => createAnthropicDecoder("text/event-stream")!;
const json = (): StandardEventDecoder => createAnthropicDecoder("application/json")!;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Text deltas of a chunks file read straight from its JSON lines: the oracle for decoded text. */
function fixtureText(path: string): string {
  let text = "";
  for (const payload of chunkPayloads(path) as { type: string; delta?: { type: string; text?: string } }[]) {
    if (payload.type === "content_block_delta" && payload.delta?.type === "text_delta")
      text += payload.delta.text;
  }
  return text;
}

interface StreamCase {
  file: string;
  id: string;
  model: string;
  finish: string;
  raw: string;
  usage: Record<string, number>;
  text?: string;
  reasoning?: string;
  signatures?: number;
  tools?: { id: string; name: string; arguments: string }[];
}

const zeroCache = { cacheReadTokens: 0, cacheWriteTokens: 0 };
const weatherArguments =
  '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}';

const streamCases: StreamCase[] = [
  {
    file: "anthropic/anthropic-text.chunks.txt",
    id: "msg_01QC4g3HwBThD4BaNtBckFDJ",
    model: "claude-sonnet-4-5-20250929",
    finish: "stop",
    raw: "end_turn",
    usage: { inputTokens: 12, outputTokens: 30, ...zeroCache },
    text: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
  },
  {
    file: "anthropic/anthropic-clear-thinking.1.chunks.txt",
    id: "msg_01Y6V41gqPaKWEw7iPouH7iW",
    model: "claude-sonnet-4-5-20250929",
    finish: "stop",
    raw: "end_turn",
    usage: { inputTokens: 69, outputTokens: 53, ...zeroCache },
    text: "925 ÷ 5 = 185",
    reasoning: "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185",
    signatures: 1,
  },
  {
    file: "anthropic/anthropic-fallback.chunks.txt",
    id: "msg_01FallbackStreamAbcdefghij",
    model: "claude-fable-5",
    finish: "stop",
    raw: "end_turn",
    usage: { inputTokens: 412, outputTokens: 264, ...zeroCache },
    text: "The printing press was invented by Johannes Gutenberg around 1440.",
  },
  {
    file: "anthropic/anthropic-json-tool.1.chunks.txt",
    id: "msg_01K2JbSUMYhez5RHoK9ZCj9U",
    model: "claude-haiku-4-5-20251001",
    finish: "tool_calls",
    raw: "tool_use",
    usage: { inputTokens: 849, outputTokens: 47, ...zeroCache },
    text: "",
    tools: [{ id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", name: "json", arguments: weatherArguments }],
  },
  {
    file: "anthropic/anthropic-json-tool.2.chunks.txt",
    id: "msg_01K2JbSUMYhez5RHoK9ZCj9U",
    model: "claude-haiku-4-5-20251001",
    finish: "tool_calls",
    raw: "tool_use",
    usage: { inputTokens: 849, outputTokens: 47, ...zeroCache },
    text: "I'll invoke the JSON response tool.",
    tools: [{ id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", name: "json", arguments: weatherArguments }],
  },
  {
    file: "anthropic/anthropic-message-delta-input-tokens.chunks.txt",
    id: "msg_3196a1cc08de4d76b85b8f5777c0d42b",
    model: "claude-opus-4-5-20251101",
    finish: "stop",
    raw: "end_turn",
    // message_start said 43 input tokens; message_delta's 61 supersedes it.
    usage: { inputTokens: 61, outputTokens: 2 },
    text: "pong",
  },
  {
    file: "anthropic/anthropic-refusal.chunks.txt",
    id: "msg_01RefusalStreamAbcdefghijk",
    model: "claude-fable-5",
    finish: "refusal",
    raw: "refusal",
    usage: { inputTokens: 18, outputTokens: 5, ...zeroCache },
    text: "",
  },
  {
    file: "anthropic/anthropic-tool-no-args.chunks.txt",
    id: "msg_01GE2RKp1VYsPzdFs3sS9z5S",
    model: "claude-sonnet-4-5-20250929",
    finish: "tool_calls",
    raw: "tool_use",
    usage: { inputTokens: 565, outputTokens: 48, ...zeroCache },
    text: "I'll update the issue list for you.",
    // No argument fragments streamed: the deltas stay faithful (empty); converters decide about `{}`.
    tools: [{ id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", name: "updateIssueList", arguments: "" }],
  },
  {
    file: "anthropic/anthropic-web-search-tool.1.chunks.txt",
    id: "msg_01LHpEgU4KbfgXGVi3UtHQY1",
    model: "claude-sonnet-4-20250514",
    finish: "stop",
    raw: "end_turn",
    usage: { inputTokens: 15665, outputTokens: 795, ...zeroCache },
    // Server tool use and its results are the provider's business: no client tool calls.
    tools: [],
  },
  {
    file: "anthropic/duplicate-message-start.chunks.txt",
    id: "msg_dup",
    model: "claude-3-haiku-20240307",
    finish: "stop",
    raw: "end_turn",
    usage: { inputTokens: 17, outputTokens: 227 },
    text: "Hello, World!",
  },
];

for (const expected of streamCases) {
  test(`stream ${expected.file}: decoded values match the recording, whatever the chunk splits`, () => {
    const events = assertSplitInvariant(sse, anthropicChunksToSse(expected.file));
    const summary = summarize(events);
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.ended, true);
    assert.equal(summary.id, expected.id);
    assert.equal(summary.model, expected.model);
    assert.equal(summary.provider, "anthropic");
    assert.equal(summary.finishReason, expected.finish);
    assert.equal(summary.rawFinishReason, expected.raw);
    assert.deepEqual(summary.usage, expected.usage);
    assert.equal(summary.text, expected.text ?? fixtureText(expected.file));
    assert.equal(summary.reasoning, expected.reasoning ?? "");
    assert.equal(summary.signatures.length, expected.signatures ?? 0);
    assert.deepEqual(summary.toolCalls, expected.tools ?? []);
    assert.equal(events.filter((event) => event.type === "response-start").length, 1);
  });
}

test("web search stream: 2402 characters of text, citations ignored", () => {
  const summary = summarize(
    decodeWhole(sse, anthropicChunksToSse("anthropic/anthropic-web-search-tool.1.chunks.txt")),
  );
  assert.equal(summary.text.length, 2402);
  assert.ok(summary.text.startsWith("Based on my search results, here are the key tech news"));
});

test("raw SDK streams with event: lines and padded data lines", () => {
  const basic = summarize(assertSplitInvariant(sse, readFixtureBytes("anthropic/sdk-basic_response.txt")));
  assert.equal(basic.id, "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK");
  assert.equal(basic.model, "claude-opus-4-8");
  assert.equal(basic.text, "Hello there!");
  assert.deepEqual(basic.usage, { inputTokens: 11, outputTokens: 6 });
  assert.equal(basic.finishReason, "stop");

  const tools = summarize(assertSplitInvariant(sse, readFixtureBytes("anthropic/sdk-tool_use_response.txt")));
  assert.equal(tools.text, "I'll check the current weather in Paris for you.");
  assert.deepEqual(tools.toolCalls, [
    { id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", arguments: '{"location": "Paris"}' },
  ]);
  assert.deepEqual(tools.usage, { inputTokens: 377, outputTokens: 65, ...zeroCache });
  assert.equal(tools.finishReason, "tool_calls");
});

test("a stream cut by max_tokens inside partial tool JSON closes the open tool call", () => {
  const events = assertSplitInvariant(
    sse,
    readFixtureBytes("anthropic/sdk-incomplete_partial_json_response.txt"),
  );
  const summary = summarize(events);
  assert.deepEqual(summary.errors, []);
  assert.equal(summary.finishReason, "length");
  assert.equal(summary.rawFinishReason, "max_tokens");
  assert.deepEqual(summary.usage, { inputTokens: 450, outputTokens: 124, ...zeroCache });
  assert.equal(summary.toolCalls.length, 1);
  assert.equal(summary.toolCalls[0]!.name, "make_file");
  assert.ok(summary.toolCalls[0]!.arguments.startsWith('{"filename": "taxes.txt", "lines_of_text": [\n'));
  assert.ok(summary.toolCalls[0]!.arguments.endsWith('\n"Filing taxes'));
});

test("a different message spliced into an open one is an error, and nothing after it counts", () => {
  const events = assertSplitInvariant(
    sse,
    anthropicChunksToSse("anthropic/spliced-message-start.chunks.txt"),
  );
  const summary = summarize(events);
  assert.equal(summary.id, "msg_first");
  assert.deepEqual(
    summary.errors.map((error) => error.errorType),
    ["invalid_response"],
  );
  assert.equal(summary.ended, false);
  assert.deepEqual(summary.toolCalls, []);
  assert.equal(summary.reasoning, "I will call the tool.");
  assert.deepEqual(summary.signatures, ["sig-first"]);
});

const jsonCases = [
  {
    file: "anthropic/anthropic-text.json",
    id: "msg_01VdEjxAP5ahtHKrrRdNBteQ",
    finish: "stop",
    usage: { inputTokens: 12, outputTokens: 29, ...zeroCache },
    parts: [
      {
        type: "text",
        text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
      },
    ],
  },
  {
    file: "anthropic/anthropic-clear-thinking.1.json",
    id: "msg_01XrsJCi8CQoLcnnWdY8RsJz",
    finish: "stop",
    usage: { inputTokens: 69, outputTokens: 33, ...zeroCache },
    parts: [
      { type: "reasoning", text: "925 divided by 5 = 185", signature: "Er4BCkYICxgCKkCoxqLHLrx4mFL9Ox7" },
      { type: "text", text: "925 ÷ 5 = 185" },
    ],
  },
  {
    file: "anthropic/anthropic-fallback.json",
    id: "msg_01FallbackExampleAbcdefghij",
    finish: "stop",
    usage: { inputTokens: 412, outputTokens: 264, ...zeroCache },
    parts: [{ type: "text", text: "The printing press was invented by Johannes Gutenberg around 1440." }],
  },
  {
    file: "anthropic/anthropic-json-tool.1.json",
    id: "msg_0191iYfpERYfS27xLsdW2nbb",
    finish: "tool_calls",
    usage: { inputTokens: 1151, outputTokens: 87, ...zeroCache },
    parts: [{ type: "tool-call", id: "toolu_01Q9ExVZnzZj7E2QQYHYtNUa", name: "json" }],
  },
  {
    file: "anthropic/anthropic-refusal.json",
    id: "msg_01RefusalExampleAbcdefghijk",
    finish: "refusal",
    usage: { inputTokens: 18, outputTokens: 5, ...zeroCache },
    parts: [],
  },
  {
    file: "anthropic/anthropic-tool-no-args.json",
    id: "msg_01GCBaV8gyWAYgMVggRqZbuQ",
    finish: "tool_calls",
    usage: { inputTokens: 602, outputTokens: 93, ...zeroCache },
    parts: [
      { type: "text", text: "<thinking>\nThe updateIssueList tool" },
      { type: "tool-call", id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1", name: "updateIssueList", arguments: "{}" },
    ],
  },
  {
    file: "anthropic/anthropic-web-search-tool.1.json",
    id: undefined,
    finish: "stop",
    usage: { inputTokens: 27118, outputTokens: 600, ...zeroCache },
    parts: undefined,
  },
] as const;

for (const expected of jsonCases) {
  test(`body ${expected.file}: response and the JSON decoder agree with the recording`, () => {
    const body = readFixtureJson(expected.file) as { id: string; model: string; content: unknown[] };
    const response = anthropicResponseToStandard(body)!;
    assert.equal(response.provider, "anthropic");
    assert.equal(response.id, expected.id ?? body.id);
    assert.equal(response.model, body.model);
    assert.equal(response.finishReason, expected.finish);
    assert.deepEqual(response.usage, expected.usage);
    if (expected.parts !== undefined) {
      assert.equal(response.parts.length, expected.parts.length);
      expected.parts.forEach((part, index) => {
        const actual = response.parts[index] as Record<string, string>;
        for (const [key, value] of Object.entries(part)) {
          // Long values (signature, text) are checked by their recorded beginning.
          assert.ok(actual[key]?.startsWith(value), `${key} of part ${index}`);
        }
      });
    } else {
      // Server tool blocks and their results have no standard part; the 8 text blocks remain.
      assert.deepEqual(
        response.parts.map((part) => part.type),
        Array(8).fill("text"),
      );
    }
    const decoded = summarize(assertSplitInvariant(json, readFixtureBytes(expected.file)));
    assert.equal(decoded.id, response.id);
    assert.equal(decoded.finishReason, expected.finish);
    assert.deepEqual(decoded.usage, expected.usage);
  });
}

test("tool_use input becomes arguments JSON text", () => {
  const response = anthropicResponseToStandard(readFixtureJson("anthropic/anthropic-json-tool.1.json"))!;
  const call = response.parts[0] as { arguments: string };
  assert.deepEqual(JSON.parse(call.arguments).elements[3], {
    location: "Berlin",
    temperature: -9,
    condition: "snowy",
  });
});

test("cache reads and writes are counted into input and reported apart", () => {
  const body = {
    type: "message",
    id: "msg_cache",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text: "ok" }],
    stop_reason: "end_turn",
    usage: {
      input_tokens: 5,
      cache_read_input_tokens: 1800,
      cache_creation_input_tokens: 220,
      output_tokens: 9,
    },
  };
  assert.deepEqual(anthropicResponseToStandard(body)!.usage, {
    inputTokens: 2025,
    outputTokens: 9,
    cacheReadTokens: 1800,
    cacheWriteTokens: 220,
  });
  const stream = [
    `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { ...body, content: [], stop_reason: null, usage: { ...body.usage, output_tokens: 1 } } })}\n\n`,
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join("");
  const summary = summarize(assertSplitInvariant(sse, encode(stream)));
  assert.deepEqual(summary.usage, {
    inputTokens: 2025,
    outputTokens: 9,
    cacheReadTokens: 1800,
    cacheWriteTokens: 220,
  });
});

test("a mid-stream overloaded_error becomes an error event and ends the stream", () => {
  const bytes = encode(
    [
      ...new TextDecoder()
        .decode(anthropicChunksToSse("anthropic/anthropic-text.chunks.txt"))
        .split("\n\n")
        .slice(0, 4),
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}',
      "",
    ].join("\n\n"),
  );
  const summary = summarize(assertSplitInvariant(sse, bytes));
  assert.deepEqual(summary.errors, [{ errorType: "overloaded_error", message: "Overloaded" }]);
  assert.equal(summary.text, "Hello");
  assert.equal(summary.ended, false);
});

test("a stream cut before its end gives no response-end and no invented error; bad JSON is reported", () => {
  const text = new TextDecoder().decode(anthropicChunksToSse("anthropic/anthropic-text.chunks.txt"));
  const cut = summarize(decodeWhole(sse, encode(text.split("\n\n").slice(0, 5).join("\n\n"))));
  assert.deepEqual(cut.errors, []);
  assert.equal(cut.ended, false);
  // The fifth frame lacks its blank line, so it is never dispatched.
  assert.equal(cut.text, "Hello");
  // Cut after message_delta: the answer is complete, only message_stop was lost.
  const lateCut = summarize(decodeWhole(sse, encode(text.slice(0, text.indexOf("event: message_stop")))));
  assert.equal(lateCut.ended, true);
  assert.equal(lateCut.finishReason, "stop");
  const bad = summarize(decodeWhole(sse, encode(`event: ping\ndata: {not json\n\n${text}`)));
  assert.equal(bad.errors[0]!.errorType, "invalid_stream_data");
  assert.equal(bad.text, fixtureText("anthropic/anthropic-text.chunks.txt"));
  assert.equal(bad.ended, true);
  assert.deepEqual(decodeWhole(sse, new Uint8Array()), []);
  assert.deepEqual(
    summarize(decodeWhole(json, encode("<html>"))).errors[0]!.errorType,
    "invalid_stream_data",
  );
});

test("redacted thinking and signatures become reasoning deltas", () => {
  const stream = [
    'data: {"type":"message_start","message":{"id":"m","model":"c","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}',
    'data: {"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy"}}',
    'data: {"type":"content_block_stop","index":0}',
    'data: {"type":"message_delta","delta":{"stop_reason":"pause_turn"},"usage":{"output_tokens":3}}',
    'data: {"type":"message_stop"}',
    "",
  ].join("\n\n");
  const events = decodeWhole(sse, encode(stream));
  assert.deepEqual(events[1], { type: "reasoning-delta", index: 0, text: "", redacted: "EmwKAhgBEgy" });
  assert.equal(summarize(events).finishReason, "other");
});

test("an error body becomes an error event", () => {
  const body =
    '{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"},"request_id":"req_9"}';
  assert.deepEqual(decodeWhole(json, encode(body)), [
    { type: "error", errorType: "rate_limit_error", message: "Slow down" },
  ]);
  assert.equal(anthropicResponseToStandard(JSON.parse(body)), undefined);
  assert.equal(anthropicResponseToStandard("nope"), undefined);
});

test("stop reasons map to standard finish reasons", () => {
  const table = {
    end_turn: "stop",
    stop_sequence: "stop",
    max_tokens: "length",
    tool_use: "tool_calls",
    refusal: "refusal",
    pause_turn: "other",
    something_new: "other",
  };
  for (const [raw, standard] of Object.entries(table))
    assert.equal(anthropicFinishReason(raw), standard, raw);
});

test("content types Outrigger does not read give no decoder", () => {
  assert.equal(createAnthropicDecoder("text/html"), undefined);
  assert.equal(createAnthropicDecoder(undefined), undefined);
  assert.ok(createAnthropicDecoder("Text/Event-Stream; charset=utf-8"));
});
