// The Chat Completions SSE encoder: stable id, role once, tool-call fragments, usage trailer, [DONE], errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAIStreamEncoder } from "../../../src/providers/openai/standard-to-openai-stream.ts";
import type { StandardStreamEvent } from "../../../src/schema/standard-event.ts";

function encode(events: StandardStreamEvent[], includeUsage: boolean): string[] {
  const encoder = createOpenAIStreamEncoder({
    includeUsage,
    now: () => 1_700_000_000_500,
    randomId: () => "x",
  });
  const chunks = [...events.flatMap((event) => encoder.push(event)), ...encoder.end()];
  const frames = Buffer.concat(chunks).toString("utf8").split("\n\n");
  assert.equal(frames.pop(), "", "every frame ends with a blank line");
  return frames.map((frame) => {
    assert.ok(frame.startsWith("data: "), frame);
    return frame.slice(6);
  });
}

const toolStream: StandardStreamEvent[] = [
  { type: "response-start", id: "msg_1", model: "claude-haiku-4-5" },
  { type: "reasoning-delta", index: 0, text: "Hmm" },
  { type: "reasoning-delta", index: 0, text: "", signature: "sig" },
  { type: "text-delta", index: 1, text: "Calling" },
  { type: "tool-call-start", index: 3, id: "toolu_a", name: "weather" },
  { type: "tool-call-delta", index: 3, argumentsDelta: "" },
  { type: "tool-call-delta", index: 3, argumentsDelta: '{"city":"Oslo"}' },
  { type: "tool-call-end", index: 3 },
  { type: "tool-call-start", index: 5, id: "toolu_b", name: "time" },
  { type: "tool-call-delta", index: 5, argumentsDelta: "{}" },
  { type: "tool-call-end", index: 5 },
  { type: "usage", usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 60 } },
  { type: "response-end", finishReason: "tool_calls", rawFinishReason: "tool_use" },
];

test("chunks share one id, the role comes first, tool calls get stable indexes from 0", () => {
  const frames = encode(toolStream, true);
  assert.equal(frames.at(-1), "[DONE]");
  const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame));
  for (const chunk of chunks) {
    assert.equal(chunk.id, "msg_1");
    assert.equal(chunk.created, 1_700_000_000);
    assert.equal(chunk.model, "claude-haiku-4-5");
    assert.equal(chunk.object, "chat.completion.chunk");
  }
  const deltas = chunks.slice(0, -1).map((chunk) => chunk.choices[0].delta);
  assert.deepEqual(deltas, [
    { role: "assistant", content: "" },
    { reasoning_content: "Hmm" },
    { content: "Calling" },
    {
      tool_calls: [
        { index: 0, id: "toolu_a", type: "function", function: { name: "weather", arguments: "" } },
      ],
    },
    { tool_calls: [{ index: 0, function: { arguments: '{"city":"Oslo"}' } }] },
    {
      tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "time", arguments: "" } }],
    },
    { tool_calls: [{ index: 1, function: { arguments: "{}" } }] },
    {},
  ]);
  assert.equal(chunks.at(-2).choices[0].finish_reason, "tool_calls");
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.deepEqual(chunks.at(-1).usage, {
    prompt_tokens: 100,
    completion_tokens: 20,
    total_tokens: 120,
    prompt_tokens_details: { cached_tokens: 60 },
  });
});

test("no usage trailer unless the client asked include_usage", () => {
  const frames = encode(toolStream, false);
  assert.equal(frames.at(-1), "[DONE]");
  for (const frame of frames.slice(0, -1)) {
    const chunk = JSON.parse(frame);
    assert.equal(chunk.usage, undefined);
    assert.equal(chunk.choices.length, 1);
  }
});

test("an upstream error is a final error chunk, with no [DONE] after it", () => {
  const frames = encode(
    [
      { type: "response-start" },
      { type: "text-delta", index: 0, text: "Hi" },
      { type: "error", errorType: "overloaded_error", message: "Overloaded" },
      { type: "response-end" },
    ],
    true,
  );
  assert.deepEqual(JSON.parse(frames.at(-1)!), {
    error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" },
  });
  assert.ok(!frames.includes("[DONE]"));
  assert.equal(JSON.parse(frames[0]!).id, "chatcmpl-x", "an id is invented when the upstream gave none");
});

test("a stream that ends before response-end gets an error chunk, not a finish", () => {
  const frames = encode([{ type: "text-delta", index: 0, text: "Hal" }], true);
  const last = JSON.parse(frames.at(-1)!);
  assert.equal(last.error.type, "server_error");
  assert.ok(!frames.includes("[DONE]"));
  assert.ok(frames.every((frame) => !frame.includes('"finish_reason":"stop"')));
});

test("finish reasons: raw OpenAI values kept, others mapped", () => {
  const finish = (event: StandardStreamEvent): string => {
    const frames = encode([event], false);
    return JSON.parse(frames.at(-2)!).choices[0].finish_reason;
  };
  assert.equal(finish({ type: "response-end", finishReason: "stop", rawFinishReason: "end_turn" }), "stop");
  assert.equal(
    finish({ type: "response-end", finishReason: "length", rawFinishReason: "max_tokens" }),
    "length",
  );
  assert.equal(
    finish({ type: "response-end", finishReason: "refusal", rawFinishReason: "refusal" }),
    "content_filter",
  );
  assert.equal(
    finish({ type: "response-end", finishReason: "other", rawFinishReason: "pause_turn" }),
    "stop",
  );
  assert.equal(
    finish({ type: "response-end", finishReason: "content_filter", rawFinishReason: "content_filter" }),
    "content_filter",
  );
});

test("a tool call that streamed no arguments gets {} before its end, as OpenAI sends it", () => {
  const frames = encode(
    [
      { type: "tool-call-start", index: 0, id: "toolu_a", name: "list" },
      { type: "tool-call-end", index: 0 },
      { type: "tool-call-start", index: 1, id: "toolu_b", name: "refresh" },
      { type: "response-end", finishReason: "tool_calls" },
    ],
    false,
  );
  const deltas = frames.slice(0, -1).map((frame) => JSON.parse(frame).choices[0].delta);
  assert.deepEqual(deltas.slice(1), [
    {
      tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "list", arguments: "" } }],
    },
    { tool_calls: [{ index: 0, function: { arguments: "{}" } }] },
    {
      tool_calls: [
        { index: 1, id: "toolu_b", type: "function", function: { name: "refresh", arguments: "" } },
      ],
    },
    { tool_calls: [{ index: 1, function: { arguments: "{}" } }] },
    {},
  ]);
});
