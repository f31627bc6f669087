// Tests the AWS eventstream decoder with frames built by @smithy/eventstream-codec from the Anthropic fixtures.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import type { StandardEventDecoder } from "../../src/schema/standard-event.ts";
import {
  anthropicChunksToSse,
  assertSplitInvariant,
  chunkPayloads,
  decodeWhole,
  readFixture,
  summarize,
} from "./fixtures.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const eventstream = (): StandardEventDecoder => createAnthropicDecoder("application/vnd.amazon.eventstream")!;
const sse = (): StandardEventDecoder => createAnthropicDecoder("text/event-stream")!;

function stringHeaders(values: Record<string, string>): MessageHeaders {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { type: "string", value }]));
}

/** A Bedrock InvokeModelWithResponseStream `chunk` frame: the Anthropic event base64 inside `{"bytes"}`. */
function chunkFrame(event: unknown): Uint8Array {
  const payload = JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString("base64") });
  return codec.encode({
    headers: stringHeaders({
      ":message-type": "event",
      ":event-type": "chunk",
      ":content-type": "application/json",
    }),
    body: fromUtf8(payload),
  });
}

function bedrockBody(path: string): Uint8Array {
  return new Uint8Array(Buffer.concat(chunkPayloads(path).map(chunkFrame)));
}

for (const path of [
  "anthropic/anthropic-text.chunks.txt",
  "anthropic/anthropic-clear-thinking.1.chunks.txt",
  "anthropic/anthropic-json-tool.2.chunks.txt",
  "anthropic/anthropic-web-search-tool.1.chunks.txt",
]) {
  test(`Bedrock eventstream of ${path} decodes to the same events as its SSE, whatever the splits`, () => {
    const events = assertSplitInvariant(eventstream, bedrockBody(path));
    assert.deepEqual(events, decodeWhole(sse, anthropicChunksToSse(path)));
    assert.deepEqual(summarize(events).errors, []);
  });
}

test("concrete values survive the eventstream: id, usage, finish, text", () => {
  const summary = summarize(decodeWhole(eventstream, bedrockBody("anthropic/anthropic-text.chunks.txt")));
  assert.equal(summary.id, "msg_01QC4g3HwBThD4BaNtBckFDJ");
  assert.deepEqual(summary.usage, {
    inputTokens: 12,
    outputTokens: 30,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
  assert.equal(summary.finishReason, "stop");
  assert.ok(readFixture("anthropic/anthropic-text.chunks.txt").includes('"text":" Is"'));
  assert.ok(summary.text.endsWith("Is there anything I can help you with?"));
});

test("a corrupted message CRC or prelude CRC is a clear framing error, and decoding stops", () => {
  const body = bedrockBody("anthropic/anthropic-text.chunks.txt");
  const firstLength = new DataView(body.buffer, body.byteOffset).getUint32(0);
  for (const [offset, what] of [
    [firstLength + 30, "payload byte of the second frame"],
    [9, "prelude CRC of the first frame"],
  ] as const) {
    const corrupted = body.slice();
    corrupted[offset]! ^= 0x01;
    const events = assertSplitInvariant(eventstream, corrupted);
    const last = events.at(-1)!;
    assert.ok(last.type === "error" && last.errorType === "invalid_framing", what);
    assert.match(last.message, /Corrupt AWS eventstream: an eventstream frame failed its checks/);
    assert.equal(events.filter((event) => event.type === "error").length, 1, what);
    assert.ok(!events.some((event) => event.type === "response-end"), what);
  }
});

test("an exception frame (throttling) becomes an error event", () => {
  const exception = codec.encode({
    headers: stringHeaders({ ":message-type": "exception", ":exception-type": "throttlingException" }),
    body: fromUtf8('{"message":"Too many requests, please wait before trying again."}'),
  });
  const bytes = new Uint8Array(
    Buffer.concat([chunkFrame(chunkPayloads("anthropic/anthropic-text.chunks.txt")[0]), exception]),
  );
  const summary = summarize(assertSplitInvariant(eventstream, bytes));
  assert.deepEqual(summary.errors, [
    { errorType: "throttlingException", message: "Too many requests, please wait before trying again." },
  ]);
});

test("a stream cut inside a frame has no response-end; an absurd frame length is a framing error", () => {
  const body = bedrockBody("anthropic/anthropic-text.chunks.txt");
  const cut = summarize(decodeWhole(eventstream, body.subarray(0, Math.floor(body.length / 2))));
  assert.equal(cut.ended, false);
  assert.deepEqual(cut.errors, []);
  assert.equal(cut.id, "msg_01QC4g3HwBThD4BaNtBckFDJ");
  // Only a frame cut after message_delta still ends: the answer was complete.
  const late = summarize(decodeWhole(eventstream, body.subarray(0, body.length - 3)));
  assert.equal(late.ended, true);
  assert.ok(late.text.endsWith("help you with?"));
  const absurd = decodeWhole(eventstream, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
  assert.deepEqual(
    absurd.map((event) => event.type === "error" && event.errorType),
    ["invalid_framing"],
  );
});
