// The Anthropic SSE encoder: event sequencing, block indexes, stable tool ids, thinking + signature, endings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAnthropicStreamEncoder } from "../../../src/providers/anthropic/standard-to-anthropic-stream.ts";
import type { StandardStreamEvent } from "../../../src/schema/standard-event.ts";

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

function encode(events: StandardStreamEvent[], end = true): Frame[] {
  const encoder = createAnthropicStreamEncoder({ model: "fallback-model", randomId: () => "generated" });
  const chunks = [...events.flatMap((event) => encoder.push(event)), ...(end ? encoder.end() : [])];
  const text = Buffer.concat(chunks).toString("utf8");
  return text
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split("\n");
      assert.equal(rest.length, 0);
      const event = eventLine!.replace(/^event: /, "");
      const data = JSON.parse(dataLine!.replace(/^data: /, ""));
      assert.equal(data.type, event, "event name and data type agree");
      return { event, data };
    });
}

test("parts become blocks in order: one open at a time, indexes from 0, stops before the next start", () => {
  const frames = encode([
    {
      type: "response-start",
      id: "chatcmpl-1",
      model: "deepseek-reasoner",
      usage: { inputTokens: 30, cacheReadTokens: 20 },
    },
    { type: "reasoning-delta", index: 0, text: "" },
    { type: "reasoning-delta", index: 0, text: "Think" },
    { type: "reasoning-delta", index: 0, text: "ing", signature: "sig" },
    { type: "text-delta", index: 1, text: "Hello" },
    { type: "tool-call-start", index: 2, id: "call_a", name: "weather" },
    { type: "tool-call-delta", index: 2, argumentsDelta: "" },
    { type: "tool-call-delta", index: 2, argumentsDelta: '{"city":' },
    { type: "tool-call-delta", index: 2, argumentsDelta: '"Oslo"}' },
    { type: "tool-call-end", index: 2 },
    { type: "tool-call-start", index: 3, id: "call_b", name: "time" },
    { type: "tool-call-end", index: 3 },
    { type: "usage", usage: { outputTokens: 12, reasoningTokens: 5 } },
    { type: "response-end", finishReason: "tool_calls", rawFinishReason: "tool_calls" },
  ]);
  assert.deepEqual(
    frames.map((frame) => [frame.event, frame.data.index ?? null]),
    [
      ["message_start", null],
      ["content_block_start", 0],
      ["content_block_delta", 0],
      ["content_block_delta", 0],
      ["content_block_delta", 0],
      ["content_block_stop", 0],
      ["content_block_start", 1],
      ["content_block_delta", 1],
      ["content_block_stop", 1],
      ["content_block_start", 2],
      ["content_block_delta", 2],
      ["content_block_delta", 2],
      ["content_block_stop", 2],
      ["content_block_start", 3],
      ["content_block_stop", 3],
      ["message_delta", null],
      ["message_stop", null],
    ],
  );
  const message = frames[0]!.data.message as Record<string, unknown>;
  assert.equal(message.id, "chatcmpl-1");
  assert.equal(message.model, "deepseek-reasoner");
  assert.deepEqual(message.usage, { input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 0 });
  assert.deepEqual(frames[1]!.data.content_block, { type: "thinking", thinking: "", signature: "" });
  assert.deepEqual(frames[4]!.data.delta, { type: "signature_delta", signature: "sig" });
  assert.deepEqual(frames[9]!.data.content_block, {
    type: "tool_use",
    id: "call_a",
    name: "weather",
    input: {},
  });
  assert.deepEqual(frames[13]!.data.content_block, {
    type: "tool_use",
    id: "call_b",
    name: "time",
    input: {},
  });
  assert.deepEqual(frames[15]!.data, {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: {
      input_tokens: 10,
      cache_read_input_tokens: 20,
      output_tokens: 12,
      output_tokens_details: { thinking_tokens: 5 },
    },
  });
});

test("a stream without response-start still opens with message_start, with an invented id", () => {
  const frames = encode([
    { type: "text-delta", index: 0, text: "Hi" },
    { type: "response-end", finishReason: "length" },
  ]);
  assert.equal(frames[0]!.event, "message_start");
  const message = frames[0]!.data.message as Record<string, unknown>;
  assert.equal(message.id, "msg_generated");
  assert.equal(message.model, "fallback-model");
  assert.equal((frames.at(-2)!.data.delta as Record<string, unknown>).stop_reason, "max_tokens");
});

test("a repeated response-start opens no second message", () => {
  const frames = encode([
    { type: "response-start", id: "a" },
    { type: "response-start", id: "a" },
    { type: "response-end" },
  ]);
  assert.deepEqual(
    frames.map((frame) => frame.event),
    ["message_start", "message_delta", "message_stop"],
  );
});

test("redacted reasoning is its own redacted_thinking block", () => {
  const frames = encode([
    { type: "reasoning-delta", index: 0, text: "", redacted: "opaque" },
    { type: "response-end" },
  ]);
  assert.deepEqual(frames[1]!.data.content_block, { type: "redacted_thinking", data: "opaque" });
  assert.equal(frames[2]!.event, "content_block_stop");
});

test("a stream that ends before response-end ends with an error event, never message_stop", () => {
  const frames = encode([{ type: "response-start" }, { type: "text-delta", index: 0, text: "Hal" }]);
  assert.equal(frames.at(-1)!.event, "error");
  assert.ok(!frames.some((frame) => frame.event === "message_stop"));
  assert.equal((frames.at(-1)!.data.error as Record<string, unknown>).type, "api_error");
});

test("an upstream error becomes an Anthropic error event with the mapped type; nothing follows it", () => {
  const frames = encode([
    { type: "response-start" },
    { type: "error", errorType: "server_error", message: "boom", status: 503 },
    { type: "text-delta", index: 0, text: "late" },
    { type: "response-end" },
  ]);
  assert.deepEqual(
    frames.map((frame) => frame.event),
    ["message_start", "error"],
  );
  assert.deepEqual(frames[1]!.data.error, { type: "overloaded_error", message: "boom" });
});

test("after response-end, end() adds nothing", () => {
  const encoder = createAnthropicStreamEncoder();
  encoder.push({ type: "response-end" });
  assert.deepEqual(encoder.end(), []);
});
