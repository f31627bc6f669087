// Tests the NDJSON decoder and encoder: standard-event round trips, Ollama chat lines, errors, splits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import { createNdjsonEventEncoder } from "../../src/schema/ndjson-encoder.ts";
import { createNdjsonDecoder } from "../../src/streaming/ndjson-decoder.ts";
import {
  anthropicChunksToSse,
  assertSplitInvariant,
  decodeWhole,
  openaiChunksToSse,
  summarize,
} from "./fixtures.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const lines = (...values: unknown[]): Uint8Array =>
  encode(values.map((value) => `${JSON.stringify(value)}\n`).join(""));

test("decoded fixture streams round-trip through NDJSON, whatever the chunk splits", () => {
  const sources = [
    decodeWhole(
      () => createAnthropicDecoder("text/event-stream")!,
      anthropicChunksToSse("anthropic/anthropic-json-tool.2.chunks.txt"),
    ),
    decodeWhole(
      () => createOpenAIDecoder("text/event-stream")!,
      openaiChunksToSse("deepseek/deepseek-reasoning.chunks.txt"),
    ),
  ];
  for (const events of sources) {
    const encoder = createNdjsonEventEncoder();
    const bytes = new Uint8Array(
      Buffer.concat([...events.flatMap((event) => encoder.push(event)), ...encoder.end()]),
    );
    assert.deepEqual(assertSplitInvariant(createNdjsonDecoder, bytes), events);
  }
});

test("CRLF line ends and a last line without a newline", () => {
  const text =
    '{"type":"response-start","id":"r"}\r\n{"type":"text-delta","index":0,"text":"hi"}\r\n{"type":"response-end","finishReason":"stop"}';
  assert.deepEqual(assertSplitInvariant(createNdjsonDecoder, encode(text)), [
    { type: "response-start", id: "r" },
    { type: "text-delta", index: 0, text: "hi" },
    { type: "response-end", finishReason: "stop" },
  ]);
});

// Ollama /api/chat stream lines, as its API documentation shows them.
const ollamaChat = [
  {
    model: "llama3.2",
    created_at: "2025-01-01T00:00:00Z",
    message: { role: "assistant", content: "", thinking: "Hmm." },
    done: false,
  },
  {
    model: "llama3.2",
    created_at: "2025-01-01T00:00:00Z",
    message: { role: "assistant", content: "The sky" },
    done: false,
  },
  {
    model: "llama3.2",
    created_at: "2025-01-01T00:00:01Z",
    message: { role: "assistant", content: " is blue." },
    done: false,
  },
  {
    model: "llama3.2",
    created_at: "2025-01-01T00:00:02Z",
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: "stop",
    total_duration: 4883583458,
    prompt_eval_count: 26,
    eval_count: 298,
  },
];

test("Ollama /api/chat lines: text, thinking, eval counts and done", () => {
  const events = assertSplitInvariant(createNdjsonDecoder, lines(...ollamaChat));
  const summary = summarize(events);
  assert.equal(summary.model, "llama3.2");
  assert.equal(summary.provider, "ollama");
  assert.equal(summary.text, "The sky is blue.");
  assert.equal(summary.reasoning, "Hmm.");
  assert.deepEqual(summary.usage, { inputTokens: 26, outputTokens: 298 });
  assert.equal(summary.finishReason, "stop");
  assert.equal(summary.rawFinishReason, "stop");
  assert.deepEqual(summary.errors, []);
});

test("Ollama tool calls arrive whole and become start, arguments, end", () => {
  const events = decodeWhole(
    createNdjsonDecoder,
    lines(
      {
        model: "qwen3",
        message: {
          role: "assistant",
          content: "",
          tool_calls: [{ function: { name: "get_weather", arguments: { city: "Tokyo" } } }],
        },
        done: false,
      },
      {
        model: "qwen3",
        message: { role: "assistant", content: "" },
        done: true,
        done_reason: "stop",
        prompt_eval_count: 5,
        eval_count: 7,
      },
    ),
  );
  const summary = summarize(events);
  assert.deepEqual(summary.toolCalls, [{ id: "call_1", name: "get_weather", arguments: '{"city":"Tokyo"}' }]);
  assert.equal(summary.finishReason, "tool_calls");
});

test("a mid-stream error line ends the stream with an error event", () => {
  const bytes = lines(ollamaChat[1], { error: "model runner has unexpectedly stopped" }, ollamaChat[2]);
  const summary = summarize(assertSplitInvariant(createNdjsonDecoder, bytes));
  assert.equal(summary.text, "The sky");
  assert.deepEqual(summary.errors, [
    { errorType: "api_error", message: "model runner has unexpectedly stopped" },
  ]);
});

test("bad lines, malformed standard events and a cut stream are reported, never thrown", () => {
  const events = decodeWhole(
    createNdjsonDecoder,
    encode('not json\n{"type":"text-delta","index":-1,"text":"x"}\n{"what":1}\n{"type":"response-start"}\n'),
  );
  assert.deepEqual(
    events.map((event) => (event.type === "error" ? event.errorType : event.type)),
    ["invalid_stream_data", "invalid_stream_data", "invalid_stream_data", "response-start"],
  );
  assert.deepEqual(decodeWhole(createNdjsonDecoder, new Uint8Array()), []);
});

test("the encoder writes one line per event and closes an unfinished stream with an error", () => {
  const encoder = createNdjsonEventEncoder();
  const first = encoder.push({ type: "text-delta", index: 0, text: "a\nb" });
  assert.equal(new TextDecoder().decode(first[0]), '{"type":"text-delta","index":0,"text":"a\\nb"}\n');
  const closing = new TextDecoder().decode(encoder.end()[0]);
  assert.deepEqual(JSON.parse(closing), {
    type: "error",
    errorType: "incomplete_stream",
    message: "The upstream stream ended before its end.",
  });
  assert.deepEqual(encoder.end(), []);
});
