// The observation's decoders skip content deltas after the first, and observe every recorded stream as a full decode does.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import type { Observation, Timings } from "../../src/pipeline/exchange.ts";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../../src/schema/standard-event.ts";
import { recordEvent } from "../../src/streaming/record-event.ts";
import {
  anthropicChunksToSse,
  decodeWhole,
  fixturesDirectory,
  openaiChunksToSse,
  readCassetteResponse,
} from "./fixtures.ts";

interface Observed {
  readonly observation: Observation;
  readonly firstTokenAt: number | undefined;
  readonly ended: boolean;
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
    assert.equal(leanObserved.firstTokenAt === undefined, fullObserved.firstTokenAt === undefined, name);
    assert.equal(leanObserved.ended, fullObserved.ended, name);
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
