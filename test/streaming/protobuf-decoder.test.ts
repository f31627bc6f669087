// Tests the protobuf encoder and decoder: round trips, the .proto agreeing with the hand codec, splits, corruption.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import {
  createProtobufEventEncoder,
  encodeStandardEventMessage,
  encodeStandardEventProtobuf,
} from "../../src/schema/protobuf-encoder.ts";
import type { StandardStreamEvent } from "../../src/schema/standard-event.ts";
import { createProtobufDecoder } from "../../src/streaming/protobuf-decoder.ts";
import { anthropicChunksToSse, assertSplitInvariant, decodeWhole, openaiChunksToSse } from "./fixtures.ts";

const protoPath = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../src/schema/outrigger/v1/standard.proto",
);

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const everyKind: StandardStreamEvent[] = [
  {
    type: "response-start",
    id: "msg_1",
    model: "claude-sonnet-4-5",
    provider: "anthropic",
    usage: { inputTokens: 0, cacheReadTokens: 2 ** 40 },
  },
  { type: "reasoning-delta", index: 0, text: "thinking ÷ 🎉" },
  { type: "reasoning-delta", index: 0, text: "", signature: "EvQBCkYICxgC" },
  { type: "reasoning-delta", index: 1, text: "", redacted: "EmwKAhgB" },
  { type: "text-delta", index: 2, text: "日本語" },
  { type: "tool-call-start", index: 300, id: "toolu_1", name: "get_weather" },
  { type: "tool-call-delta", index: 300, argumentsDelta: '{"city":"Paris"}' },
  { type: "tool-call-end", index: 300 },
  { type: "usage", usage: { inputTokens: 12, outputTokens: 30, reasoningTokens: 0 } },
  {
    type: "response-end",
    finishReason: "tool_calls",
    rawFinishReason: "tool_use",
    usage: { outputTokens: 31 },
  },
];

test("every event kind survives encode → decode unchanged, absent and zero counts kept apart", () => {
  const bytes = concat(everyKind.map(encodeStandardEventProtobuf));
  assert.deepEqual(assertSplitInvariant(createProtobufDecoder, bytes), everyKind);
  const error: StandardStreamEvent = {
    type: "error",
    errorType: "overloaded_error",
    message: "Overloaded",
    status: 529,
  };
  assert.deepEqual(decodeWhole(createProtobufDecoder, encodeStandardEventProtobuf(error)), [error]);
  const bare: StandardStreamEvent[] = [{ type: "response-start" }, { type: "response-end" }];
  assert.deepEqual(decodeWhole(createProtobufDecoder, concat(bare.map(encodeStandardEventProtobuf))), bare);
});

test("decoded fixture streams round-trip through protobuf, whatever the chunk splits", () => {
  const sources = [
    decodeWhole(
      () => createAnthropicDecoder("text/event-stream")!,
      anthropicChunksToSse("anthropic/anthropic-clear-thinking.1.chunks.txt"),
    ),
    decodeWhole(
      () => createOpenAIDecoder("text/event-stream")!,
      openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"),
    ),
  ];
  for (const events of sources) {
    const encoder = createProtobufEventEncoder();
    const bytes = concat([...events.flatMap((event) => encoder.push(event)), ...encoder.end()]);
    assert.deepEqual(assertSplitInvariant(createProtobufDecoder, bytes), events);
  }
});

test("the hand codec and standard.proto agree (checked with protobufjs)", async () => {
  const root = await protobuf.load(protoPath);
  const StreamEvent = root.lookupType("outrigger.v1.StreamEvent");
  const start = StreamEvent.decode(encodeStandardEventMessage(everyKind[0]!)).toJSON();
  assert.deepEqual(start, {
    responseStart: {
      id: "msg_1",
      model: "claude-sonnet-4-5",
      provider: "anthropic",
      usage: { inputTokens: "0", cacheReadTokens: String(2 ** 40) },
    },
  });
  const end = StreamEvent.decode(encodeStandardEventMessage(everyKind.at(-1)!)).toJSON();
  assert.deepEqual(end, {
    responseEnd: {
      finishReason: "FINISH_REASON_TOOL_CALLS",
      rawFinishReason: "tool_use",
      usage: { outputTokens: "31" },
    },
  });
  // And the other way: bytes protobufjs writes from the .proto decode to the same standard event.
  const written = StreamEvent.encode(
    StreamEvent.fromObject({ toolCallDelta: { index: 3, argumentsDelta: '{"a":1}' } }),
  ).finish();
  const framed = concat([Uint8Array.of(written.length), written]);
  assert.deepEqual(decodeWhole(createProtobufDecoder, framed)[0], {
    type: "tool-call-delta",
    index: 3,
    argumentsDelta: '{"a":1}',
  });
});

test("a cut stream ends without response-end; garbage is reported, never thrown", () => {
  const start = encodeStandardEventProtobuf({ type: "response-start", id: "x" });
  assert.deepEqual(decodeWhole(createProtobufDecoder, start), [{ type: "response-start", id: "x" }]);
  const text = encodeStandardEventProtobuf({ type: "text-delta", index: 0, text: "cut here" });
  const cut = new Uint8Array(Buffer.concat([start, text.subarray(0, text.length - 1)]));
  assert.deepEqual(decodeWhole(createProtobufDecoder, cut), [{ type: "response-start", id: "x" }]);
  const garbage = decodeWhole(createProtobufDecoder, Uint8Array.of(3, 0x0f, 0xff, 0xff, 1, 2, 3));
  assert.ok(garbage[0]!.type === "error" && garbage[0]!.errorType === "invalid_framing");
  assert.equal(garbage.length, 1);
  const huge = decodeWhole(createProtobufDecoder, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
  assert.ok(huge[0]!.type === "error" && /malformed/.test(huge[0]!.message));
});

test("the encoder closes an unfinished stream with an error event, never a fake finish", () => {
  const encoder = createProtobufEventEncoder();
  const bytes = concat([
    ...encoder.push({ type: "text-delta", index: 0, text: "partial" }),
    ...encoder.end(),
  ]);
  const events = decodeWhole(createProtobufDecoder, bytes);
  assert.deepEqual(events.at(-1), {
    type: "error",
    errorType: "incomplete_stream",
    message: "The upstream stream ended before its end.",
  });
});
