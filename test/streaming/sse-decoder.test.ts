// Tests the SSE parser against the WHATWG event-stream rules, including every chunk split.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SseDecoder, type SseMessage } from "../../src/streaming/sse-decoder.ts";

const encoder = new TextEncoder();

function decodeWhole(bytes: Uint8Array): SseMessage[] {
  const decoder = new SseDecoder();
  return [...decoder.push(bytes), ...decoder.end()];
}

function decodeInPieces(bytes: Uint8Array, cuts: number[]): SseMessage[] {
  const decoder = new SseDecoder();
  const messages: SseMessage[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    messages.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  messages.push(...decoder.end());
  return messages;
}

/** Decodes whole, then cut in two at every byte and in single bytes: all must agree. */
function decodeEverySplit(text: string | Uint8Array): SseMessage[] {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const whole = decodeWhole(bytes);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(decodeInPieces(bytes, [cut]), whole, `split at byte ${cut}`);
  }
  const everyByte = Array.from({ length: bytes.length }, (_, index) => index);
  assert.deepEqual(decodeInPieces(bytes, everyByte), whole, "one byte per chunk");
  return whole;
}

function event(data: string, name = "message", id: string | undefined = undefined): SseMessage {
  return { type: "event", event: name, data, id };
}

test("LF, CR and CRLF line ends, mixed in one stream, each end one line", () => {
  const messages = decodeEverySplit("data: a\n\ndata: b\r\rdata: c\r\n\r\ndata: d\r\n\ndata: e\n\r");
  assert.deepEqual(messages, [event("a"), event("b"), event("c"), event("d"), event("e")]);
});

test("a CR ending one chunk and an LF starting the next are one line end, not two", () => {
  const decoder = new SseDecoder();
  assert.deepEqual(decoder.push(encoder.encode("data: x\r")), []);
  // Were the LF a second line end, the event would dispatch here, before its second data line.
  assert.deepEqual(decoder.push(encoder.encode("\ndata: y\r")), []);
  assert.deepEqual(decoder.push(encoder.encode("\n\r")), [event("x\ny")]);
  assert.deepEqual(decoder.push(encoder.encode("\n")), []);
  assert.deepEqual(decoder.end(), []);
});

test("a leading BOM is stripped once; a second one is data", () => {
  const messages = decodeEverySplit("\uFEFFdata: one\n\n\uFEFFdata: two\n\n");
  assert.deepEqual(messages, [event("one")]);
  const second = decodeEverySplit("\uFEFF\uFEFFdata: x\n\n");
  assert.deepEqual(second, []);
});

test("multi-line data joins with LF; one leading space is stripped, not two", () => {
  const messages = decodeEverySplit("data: first\ndata:second\ndata:  third\ndata\n\n");
  assert.deepEqual(messages, [event("first\nsecond\n third\n")]);
});

test("event names, and an event without data dispatches nothing and resets the name", () => {
  const messages = decodeEverySplit("event: ping\n\ndata: after\n\nevent: message_stop\ndata: {}\n\n");
  assert.deepEqual(messages, [event("after"), event("{}", "message_stop")]);
});

test("comments and blank lines before the first event are reported and harmless (DeepSeek keep-alive)", () => {
  const messages = decodeEverySplit(': keep-alive\n\n\n: keep-alive\r\n\r\ndata: {"id":1}\n\n');
  assert.deepEqual(messages, [
    { type: "comment", text: " keep-alive" },
    { type: "comment", text: " keep-alive" },
    event('{"id":1}'),
  ]);
});

test("id persists across events, an id with NULL is ignored, retry needs digits only", () => {
  const messages = decodeEverySplit(
    "id: 7\ndata: a\n\ndata: b\n\nid: x\u0000y\nretry: 1500\nretry: 2s\ndata: c\n\nid\ndata: d\n\n",
  );
  assert.deepEqual(messages, [
    event("a", "message", "7"),
    event("b", "message", "7"),
    { type: "retry", milliseconds: 1500 },
    event("c", "message", "7"),
    event("d", "message", ""),
  ]);
});

test("fields without a colon and unknown fields", () => {
  const messages = decodeEverySplit("data\ndata\n\nfoo: bar\nevent\ndata: z\n\n");
  assert.deepEqual(messages, [event("\n"), event("z")]);
});

test("padded data lines keep their trailing spaces", () => {
  const messages = decodeEverySplit('data: {"type":"ping"}   \n\n');
  assert.deepEqual(messages, [event('{"type":"ping"}   ')]);
});

test("a multi-byte character split across chunks decodes intact", () => {
  const messages = decodeEverySplit("data: ÷ 5 = 185 — 日本語 🎉\n\n");
  assert.deepEqual(messages, [event("÷ 5 = 185 — 日本語 🎉")]);
});

test("an unterminated final event is not dispatched; invalid UTF-8 becomes U+FFFD", () => {
  assert.deepEqual(decodeEverySplit("data: done\n\ndata: cut"), [event("done")]);
  const invalid = new Uint8Array([...encoder.encode("data: a"), 0xff, ...encoder.encode("\n\n")]);
  assert.deepEqual(decodeEverySplit(invalid), [event("a\uFFFD")]);
});

test("a long line over many chunks is joined in linear time", () => {
  const big = "x".repeat(2_000_000);
  const bytes = encoder.encode(`data: ${big}\n\n`);
  const cuts = Array.from({ length: Math.floor(bytes.length / 16) }, (_, index) => (index + 1) * 16);
  const started = performance.now();
  const messages = decodeInPieces(bytes, cuts);
  // Generous bound: quadratic joining of 125k pieces would take minutes.
  assert.ok(performance.now() - started < 10_000);
  assert.equal(messages.length, 1);
  assert.equal((messages[0] as { data: string }).data.length, big.length);
});
