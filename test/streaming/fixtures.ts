// Test helpers: the recorded provider fixtures, replayed as wire bytes, and decoding under chunk splits.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { StandardEventDecoder, StandardStreamEvent } from "../../src/schema/standard-event.ts";
import type { StandardFinishReason, StandardUsage } from "../../src/schema/standard-usage.ts";

const repository = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function fixturesDirectory(): string {
  const configured = process.env.OUTRIGGER_FIXTURES;
  const directory = configured ?? join(repository, "../shared/fixtures");
  if (!existsSync(directory)) throw new Error(`fixtures folder missing: ${directory}`);
  return directory;
}

export function readFixture(path: string): string {
  return readFileSync(join(fixturesDirectory(), path), "utf8");
}

export function readFixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixturesDirectory(), path)));
}

export function readFixtureJson(path: string): unknown {
  return JSON.parse(readFixture(path));
}

function payloadLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** Anthropic `*.chunks.txt` as the README replays it: `event: <type>` + `data:` per line, no [DONE]. */
export function anthropicChunksToSse(path: string): Uint8Array {
  const lines = payloadLines(readFixture(path));
  const frames = lines.map(
    (line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`,
  );
  return new TextEncoder().encode(frames.join(""));
}

/** DeepSeek / OpenAI `*.chunks.txt`: `data: <line>` per line, then `data: [DONE]`. */
export function openaiChunksToSse(path: string): Uint8Array {
  const frames = payloadLines(readFixture(path)).map((line) => `data: ${line}\n\n`);
  return new TextEncoder().encode(`${frames.join("")}data: [DONE]\n\n`);
}

export function chunkPayloads(path: string): unknown[] {
  return payloadLines(readFixture(path)).map((line) => JSON.parse(line));
}

export interface CassetteResponse {
  status: number;
  contentType: string;
  contentLength: number;
  body: string;
}

/** The recorded response of a go-vcr cassette (`openai/cassette-*.yaml`). */
export function readCassetteResponse(path: string): CassetteResponse {
  const document = parseYaml(readFixture(path)) as {
    interactions: {
      response: { code: number; content_length: number; body: string; headers: Record<string, string[]> };
    }[];
  };
  const response = document.interactions[0]!.response;
  return {
    status: response.code,
    contentType: response.headers["Content-Type"]?.[0] ?? "",
    contentLength: response.content_length,
    body: response.body,
  };
}

export function decodeWhole(create: () => StandardEventDecoder, bytes: Uint8Array): StandardStreamEvent[] {
  const decoder = create();
  return [...decoder.push(bytes), ...decoder.end()];
}

function decodeAt(
  create: () => StandardEventDecoder,
  bytes: Uint8Array,
  cuts: number[],
): StandardStreamEvent[] {
  const decoder = create();
  const events: StandardStreamEvent[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  events.push(...decoder.end());
  return events;
}

/** A small seeded generator (mulberry32) so a failing split can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Asserts that splitting changes nothing: every two-piece split for bodies up to 8 KB, otherwise 200
 * seeded random multi-way splits (including single-byte pieces). Returns the whole-body events.
 */
export function assertSplitInvariant(
  create: () => StandardEventDecoder,
  bytes: Uint8Array,
): StandardStreamEvent[] {
  const whole = decodeWhole(create, bytes);
  if (bytes.length <= 8192) {
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(decodeAt(create, bytes, [cut]), whole, `two pieces split at byte ${cut}`);
    }
    return whole;
  }
  const random = seededRandom(bytes.length);
  for (let round = 0; round < 200; round++) {
    const pieces = 2 + Math.floor(random() * 64);
    const cuts = new Set<number>();
    for (let piece = 1; piece < pieces; piece++) cuts.add(Math.floor(random() * bytes.length));
    // Some single-byte pieces, where a split multi-byte character or CRLF is most likely.
    const anchor = Math.floor(random() * (bytes.length - 8));
    for (let offset = 0; offset < 8; offset++) cuts.add(anchor + offset);
    const sorted = [...cuts].sort((left, right) => left - right);
    assert.deepEqual(
      decodeAt(create, bytes, sorted),
      whole,
      `random split round ${round}: ${sorted.join(",")}`,
    );
  }
  return whole;
}

export interface DecodedSummary {
  id?: string;
  model?: string;
  provider?: string;
  text: string;
  reasoning: string;
  signatures: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: StandardUsage;
  finishReason?: StandardFinishReason;
  rawFinishReason?: string;
  errors: { errorType: string; message: string }[];
  ended: boolean;
}

/** Folds events into what a consumer would see, checking the event order rules on the way. */
export function summarize(events: StandardStreamEvent[]): DecodedSummary {
  const summary: DecodedSummary = {
    text: "",
    reasoning: "",
    signatures: [],
    toolCalls: [],
    usage: {},
    errors: [],
    ended: false,
  };
  const open = new Map<number, { id: string; name: string; arguments: string }>();
  let starts = 0;
  for (const event of events) {
    assert.ok(!summary.ended, `event ${event.type} after response-end`);
    switch (event.type) {
      case "response-start":
        starts += 1;
        assert.equal(starts, 1, "one response-start");
        summary.id = event.id;
        summary.model = event.model;
        summary.provider = event.provider;
        if (event.usage !== undefined) summary.usage = event.usage;
        break;
      case "text-delta":
        summary.text += event.text;
        break;
      case "reasoning-delta":
        summary.reasoning += event.text;
        if (event.signature !== undefined) summary.signatures.push(event.signature);
        break;
      case "tool-call-start":
        assert.ok(!open.has(event.index), `tool call ${event.index} started twice`);
        open.set(event.index, { id: event.id, name: event.name, arguments: "" });
        break;
      case "tool-call-delta": {
        const call = open.get(event.index);
        assert.ok(call, `delta for tool call ${event.index} that is not open`);
        call.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end": {
        const call = open.get(event.index);
        assert.ok(call, `end for tool call ${event.index} that is not open`);
        summary.toolCalls.push(call);
        open.delete(event.index);
        break;
      }
      case "usage":
        summary.usage = event.usage;
        break;
      case "response-end":
        summary.ended = true;
        summary.finishReason = event.finishReason;
        summary.rawFinishReason = event.rawFinishReason;
        if (event.usage !== undefined) summary.usage = event.usage;
        break;
      case "error":
        summary.errors.push({ errorType: event.errorType, message: event.message });
        break;
    }
  }
  if (summary.ended) assert.equal(open.size, 0, "every tool call ended before response-end");
  return summary;
}
