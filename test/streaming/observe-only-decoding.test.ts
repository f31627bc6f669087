// The observation's decoders skip content deltas after the first, and observe every recorded stream as a full decode does.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import type { Observation, Timings } from "../../src/pipeline/exchange.ts";
import { anthropicAdapter } from "../../src/providers/anthropic/anthropic-adapter.ts";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { bedrockAnthropicAdapter } from "../../src/providers/bedrock-anthropic/bedrock-anthropic-adapter.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import { vertexAnthropicAdapter } from "../../src/providers/vertex-anthropic/vertex-anthropic-adapter.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../../src/schema/standard-event.ts";
import { recordEvent } from "../../src/streaming/record-event.ts";
import {
  anthropicChunksToSse,
  decodeWhole,
  fixturesDirectory,
  openaiChunksToSse,
  readCassetteResponse,
  readFixtureBytes,
} from "./fixtures.ts";

interface Observed {
  readonly observation: Observation;
  readonly firstTokenAt: number | undefined;
  /** What the observed body and the retry boundary read from the events (observe-stream.ts). */
  readonly ended: boolean;
  readonly failed: boolean;
  readonly startedAt: number;
}

/** Folds events as the pipeline does; the first token is the index of the event that set it. */
function observe(events: readonly StandardStreamEvent[]): Observed {
  const observation: Observation = { usage: {} };
  const timings: Timings = { start: 0 };
  events.forEach((event, index) => {
    recordEvent(observation, timings, event, index);
  });
  return {
    observation,
    firstTokenAt: timings.firstToken,
    ended: events.some((event) => event.type === "response-end"),
    failed: events.some((event) => event.type === "error"),
    startedAt: events.findIndex((event) => event.type !== "response-start" && event.type !== "usage"),
  };
}

const sse = "text/event-stream";

function streams(): {
  name: string;
  bytes: Uint8Array;
  create: (observeOnly: boolean) => StandardEventDecoder;
}[] {
  const directory = fixturesDirectory();
  const result = [];
  const anthropic = (observeOnly: boolean) => createAnthropicDecoder(sse, { observeOnly })!;
  const openai = (observeOnly: boolean) => createOpenAIDecoder(sse, { observeOnly })!;
  for (const name of readdirSync(`${directory}/anthropic`).filter((file) => file.endsWith(".chunks.txt"))) {
    result.push({ name, bytes: anthropicChunksToSse(`anthropic/${name}`), create: anthropic });
  }
  for (const name of readdirSync(`${directory}/anthropic`).filter((file) => file.startsWith("sdk-"))) {
    result.push({ name, bytes: readFixtureBytes(`anthropic/${name}`), create: anthropic });
  }
  for (const name of readdirSync(`${directory}/openai-compatible`).filter((file) => file.endsWith(".sse"))) {
    result.push({ name, bytes: readFixtureBytes(`openai-compatible/${name}`), create: openai });
  }
  for (const folder of ["deepseek", "openai", "openai-compatible"]) {
    for (const name of readdirSync(`${directory}/${folder}`).filter((file) => file.endsWith(".chunks.txt"))) {
      result.push({ name, bytes: openaiChunksToSse(`${folder}/${name}`), create: openai });
    }
  }
  for (const name of ["cassette-chat-streaming.yaml", "cassette-chat-streaming-detailed-usage.yaml"]) {
    const body = readCassetteResponse(`openai/${name}`).body;
    result.push({ name, bytes: new TextEncoder().encode(body), create: openai });
  }
  return result;
}

test("every recorded stream: the observe-only decode observes what the full decode does", () => {
  const all = streams();
  assert.ok(all.length >= 15, `${all.length} streams`);
  let skipped = 0;
  for (const { name, bytes, create } of all) {
    const full = decodeWhole(() => create(false), bytes);
    const lean = decodeWhole(() => create(true), bytes);
    const fullObserved = observe(full);
    const leanObserved = observe(lean);
    assert.deepEqual(leanObserved.observation, fullObserved.observation, name);
    // Everything up to the first content is decoded alike, so the first token is the same event.
    assert.equal(leanObserved.firstTokenAt, fullObserved.firstTokenAt, name);
    assert.equal(leanObserved.startedAt, fullObserved.startedAt, name);
    assert.equal(leanObserved.ended, fullObserved.ended, name);
    assert.equal(leanObserved.failed, fullObserved.failed, name);
    skipped += full.length - lean.length;
  }
  assert.ok(skipped > 100, `content deltas left undecoded across the fixtures: ${skipped}`);
});

test("after the first content the observe-only decode reads outcomes only, however the JSON is spaced", () => {
  const chunk = (body: string) => `data: ${body}\n\n`;
  const bytes = new TextEncoder().encode(
    chunk('{"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}') +
      chunk(
        '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}',
      ) +
      chunk('{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}') +
      chunk('{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason" : "length"}]}') +
      chunk('{"id":"c1","choices":[],"usage" : {"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}') +
      chunk("[DONE]"),
  );
  const events = decodeWhole(() => createOpenAIDecoder(sse, { observeOnly: true })!, bytes);
  assert.deepEqual(
    events.map((event) => event.type),
    ["response-start", "text-delta", "usage", "response-end"],
  );
  const { observation } = observe(events);
  assert.equal(observation.rawFinishReason, "length");
  assert.equal(observation.usage.outputTokens, 2);

  const anthropic = new TextEncoder().encode(
    [
      [
        "message_start",
        '{"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":4}}}',
      ],
      [
        "content_block_start",
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      ],
      [
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}',
      ],
      ["content_block_delta", "not even JSON: never parsed"],
      [
        "message_delta",
        '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}',
      ],
      ["message_stop", '{"type":"message_stop"}'],
    ]
      .map(([name, data]) => `event: ${name}\ndata: ${data}\n\n`)
      .join(""),
  );
  const anthropicEvents = decodeWhole(() => createAnthropicDecoder(sse, { observeOnly: true })!, anthropic);
  assert.ok(!anthropicEvents.some((event) => event.type === "error"), "the skipped event was not read");
  const anthropicObserved = observe(anthropicEvents).observation;
  assert.equal(anthropicObserved.finishReason, "stop");
  assert.equal(anthropicObserved.usage.outputTokens, 7);
});

test("an error after the first content is still read: a JSON error chunk, or an error event whatever its data", () => {
  const chunk = (body: string, event = "") => `${event === "" ? "" : `event: ${event}\n`}data: ${body}\n\n`;
  const start = chunk('{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}');
  const middle = chunk('{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"lo"}}]}');
  for (const failure of [
    chunk('{"error":{"message":"Overloaded","type":"server_error","code":"overloaded"}}'),
    chunk('{"object":"error","message":"engine died","type":"InternalServerError","code":500}'),
    chunk("upstream reset", "error"),
  ]) {
    const bytes = new TextEncoder().encode(start + middle + failure);
    const full = observe(decodeWhole(() => createOpenAIDecoder(sse)!, bytes));
    const lean = observe(decodeWhole(() => createOpenAIDecoder(sse, { observeOnly: true })!, bytes));
    assert.ok(lean.failed, failure);
    assert.equal(lean.observation.errorType, full.observation.errorType, failure);
  }
});

test("every adapter hands the observe-only use on to its decoder; without it the decode is full", () => {
  const anthropicStream = new TextEncoder().encode(
    [
      ["message_start", '{"type":"message_start","message":{"id":"m1","model":"claude","usage":{}}}'],
      [
        "content_block_start",
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      ],
      [
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}',
      ],
      [
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}',
      ],
    ]
      .map(([name, data]) => `event: ${name}\ndata: ${data}\n\n`)
      .join(""),
  );
  const openaiStream = new TextEncoder().encode(
    [
      '{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"!"}}]}',
    ]
      .map((body) => `data: ${body}\n\n`)
      .join(""),
  );
  const textDeltas = (events: StandardStreamEvent[]) =>
    events.filter((event) => event.type === "text-delta").length;
  for (const [adapter, bytes] of [
    [anthropicAdapter, anthropicStream],
    [vertexAnthropicAdapter, anthropicStream],
    [bedrockAnthropicAdapter, anthropicStream],
    [openaiAdapter, openaiStream],
  ] as const) {
    const lean = decodeWhole(() => adapter.decoderFor(sse, { observeOnly: true })!, bytes);
    const full = decodeWhole(() => adapter.decoderFor(sse)!, bytes);
    assert.equal(textDeltas(lean), 1, `${adapter.protocol}: only the first delta`);
    assert.equal(textDeltas(full), 2, `${adapter.protocol}: every delta`);
  }
});

/** Every recorded non-streaming answer of the Anthropic and OpenAI dialects (error bodies included). */
function answers(): {
  name: string;
  bytes: Uint8Array;
  create: (observeOnly: boolean) => StandardEventDecoder;
}[] {
  const directory = fixturesDirectory();
  const json = "application/json";
  const result = [];
  for (const [folder, create] of [
    ["anthropic", (observeOnly: boolean) => createAnthropicDecoder(json, { observeOnly })!],
    ["deepseek", (observeOnly: boolean) => createOpenAIDecoder(json, { observeOnly })!],
    ["openai", (observeOnly: boolean) => createOpenAIDecoder(json, { observeOnly })!],
    ["openai-compatible", (observeOnly: boolean) => createOpenAIDecoder(json, { observeOnly })!],
  ] as const) {
    for (const name of readdirSync(`${directory}/${folder}`).filter((file) => file.endsWith(".json"))) {
      result.push({ name, bytes: readFixtureBytes(`${folder}/${name}`), create });
    }
  }
  return result;
}

test("every recorded JSON answer: the observe-only decode observes what the full replay does, in fewer events", () => {
  const all = answers();
  assert.ok(all.length >= 12, `${all.length} answers`);
  let saved = 0;
  for (const { name, bytes, create } of all) {
    const full = decodeWhole(() => create(false), bytes);
    // In two chunks, as an answer may arrive: the decoder joins them before reading.
    const leanDecoder = create(true);
    const half = Math.floor(bytes.length / 2);
    const lean = [
      ...leanDecoder.push(bytes.subarray(0, half)),
      ...leanDecoder.push(bytes.subarray(half)),
      ...leanDecoder.end(),
    ];
    const fullObserved = observe(full);
    const leanObserved = observe(lean);
    assert.deepEqual(leanObserved.observation, fullObserved.observation, name);
    assert.equal(leanObserved.firstTokenAt === undefined, fullObserved.firstTokenAt === undefined, name);
    assert.equal(leanObserved.ended, fullObserved.ended, name);
    assert.equal(leanObserved.failed, fullObserved.failed, name);
    assert.ok(lean.length <= 3, `${name}: ${lean.map((event) => event.type).join(", ")}`);
    saved += full.length - lean.length;
  }
  assert.ok(saved > 20, `events not built across the answers: ${saved}`);
});

test("an observed JSON answer's first token is its first part that says anything", () => {
  const decode = (body: unknown) =>
    decodeWhole(
      () => createOpenAIDecoder("application/json", { observeOnly: true })!,
      new TextEncoder().encode(JSON.stringify(body)),
    );
  const completion = (message: Record<string, unknown>) => ({
    id: "c1",
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "tool_calls" }],
    usage: { prompt_tokens: 5, completion_tokens: 3 },
  });
  const toolOnly = decode(
    completion({
      content: "",
      tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
    }),
  );
  assert.deepEqual(
    toolOnly.map((event) => event.type),
    ["response-start", "tool-call-start", "response-end"],
  );
  const silent = decode(completion({ content: "" }));
  assert.deepEqual(
    silent.map((event) => event.type),
    ["response-start", "response-end"],
  );
  const observed = observe(silent);
  assert.equal(observed.firstTokenAt, undefined);
  assert.equal(observed.observation.usage.outputTokens, 3);
  assert.equal(observed.observation.rawFinishReason, "tool_calls");
});
