// Tests that the framing decoder is chosen by content type, parameters and case ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import { encodeStandardEventProtobuf } from "../../src/schema/protobuf-encoder.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../../src/schema/standard-event.ts";
import { mediaTypeOf } from "../../src/streaming/decoder-for.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function run(decoder: StandardEventDecoder | undefined, bytes: Uint8Array): StandardStreamEvent[] {
  assert.ok(decoder, "a decoder for this content type");
  return [...decoder.push(bytes), ...decoder.end()];
}

const end: StandardStreamEvent = { type: "response-end", finishReason: "stop" };

test("media type parsing", () => {
  assert.equal(mediaTypeOf("Text/Event-Stream; charset=utf-8"), "text/event-stream");
  assert.equal(mediaTypeOf(" application/json "), "application/json");
  assert.equal(mediaTypeOf(undefined), "");
});

test("each content type gets its framing", () => {
  for (const create of [createAnthropicDecoder, createOpenAIDecoder]) {
    // NDJSON and protobuf carry standard events whatever the dialect.
    assert.deepEqual(run(create("application/x-ndjson"), encode(`${JSON.stringify(end)}\n`)), [end]);
    assert.deepEqual(run(create("application/x-protobuf"), encodeStandardEventProtobuf(end)), [end]);
    assert.equal(create("text/plain"), undefined);
    assert.equal(create(undefined), undefined);
  }
  const openaiSse = run(
    createOpenAIDecoder("text/event-stream; charset=utf-8"),
    encode(
      'data: {"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
    ),
  );
  assert.deepEqual(openaiSse.at(-1), { type: "response-end", finishReason: "stop", rawFinishReason: "stop" });
  const anthropicJson = run(
    createAnthropicDecoder("application/json"),
    encode(
      '{"id":"m","model":"c","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}',
    ),
  );
  assert.deepEqual(anthropicJson[1], { type: "text-delta", index: 0, text: "hi" });
  const vendorJson = run(
    createOpenAIDecoder("application/problem+json"),
    encode('{"error":{"message":"no","type":"x"}}'),
  );
  assert.deepEqual(vendorJson, [{ type: "error", errorType: "x", message: "no" }]);
  // Eventstream is only meaningful for Anthropic on Bedrock, but the selection is by content type alone.
  assert.ok(createAnthropicDecoder("application/vnd.amazon.eventstream"));
});
