// The chat span's response id, model, finish reasons and every gen_ai.usage.* attribute, checked against the fixture served.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixturesDirectory } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  fixtureLines,
  fixturePath,
  openaiExpected,
} from "../support/fixture-expectations.ts";
import { type Harness, startHarness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

type Json = Record<string, unknown>;

/**
 * No recorded Anthropic response has a cache hit (every cache_*_input_tokens is 0), so a 0 cannot tell
 * reads from writes, nor show that they are added to the input. This copy of anthropic-text reports a
 * read and a write of different, non-zero sizes; everything else is the recording's.
 */
const cache = { read: 4096, creation: 1536 };

function withCacheUsage(usage: unknown): Json {
  return {
    ...(usage as Json),
    cache_read_input_tokens: cache.read,
    cache_creation_input_tokens: cache.creation,
  };
}

/**
 * Every recorded DeepSeek usage also reports the hit as `prompt_tokens_details.cached_tokens`, with the
 * same number, so a recording cannot show which field the cache read comes from. This copy of
 * deepseek-tool-call reports only DeepSeek's own `prompt_cache_hit_tokens` / `_miss_tokens`.
 */
function withoutCachedTokensDetail(chunk: Json): Json {
  if (chunk.usage === null || typeof chunk.usage !== "object") return chunk;
  const { prompt_tokens_details: _detail, ...usage } = chunk.usage as Json;
  return { ...chunk, usage };
}

function writeLines(path: string, lines: readonly Json[]): void {
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
}

/** A fixtures folder: the shared recordings (linked) plus the derived copies above. */
function fixturesWithCacheHit(): { directory: string; chunks: string; body: string; deepseek: string } {
  const shared = fixturesDirectory();
  const directory = mkdtempSync(join(tmpdir(), "outrigger-fixtures-"));
  for (const folder of ["openai", "openai-compatible"])
    symlinkSync(join(shared, folder), join(directory, folder));
  for (const folder of ["anthropic", "deepseek"]) {
    mkdirSync(join(directory, folder));
    for (const file of readdirSync(join(shared, folder)))
      symlinkSync(join(shared, folder, file), join(directory, folder, file));
  }
  const events = fixtureLines("anthropic/anthropic-text.chunks.txt").map((event) => {
    if (event.type === "message_start") {
      const message = event.message as Json;
      return { ...event, message: { ...message, usage: withCacheUsage(message.usage) } };
    }
    if (event.type === "message_delta") return { ...event, usage: withCacheUsage(event.usage) };
    return event;
  });
  const chunks = join(directory, "anthropic", "anthropic-text-cache-hit.chunks.txt");
  writeLines(chunks, events);
  const recorded = JSON.parse(readFileSync(fixturePath("anthropic/anthropic-text.json"), "utf8")) as Json;
  const body = join(directory, "anthropic", "anthropic-text-cache-hit.json");
  writeFileSync(body, JSON.stringify({ ...recorded, usage: withCacheUsage(recorded.usage) }));
  const deepseek = join(directory, "deepseek", "deepseek-tool-call-hit-only.chunks.txt");
  writeLines(deepseek, fixtureLines("deepseek/deepseek-tool-call.chunks.txt").map(withoutCachedTokensDetail));
  return { directory, chunks, body, deepseek };
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, "utf8")) as Json;
}

function linesOf(path: string): Json[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Json);
}

let receiver: OtlpReceiver;
let restoreEnv: () => void;
let harness: Harness;
let derived: ReturnType<typeof fixturesWithCacheHit>;

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  derived = fixturesWithCacheHit();
  harness = await startHarness({ simulator: { fixtures: derived.directory } });
});
after(async () => {
  await harness.close();
  await receiver.close();
  restoreEnv();
});

let traceCounter = 0;
function nextTraceId(): string {
  traceCounter += 1;
  return `abacad${traceCounter.toString(16).padStart(26, "0")}`;
}

/** One call with the simulator told which fixture to serve; resolves with the call's chat span. */
async function chatSpanFor(path: string, fixture: string, body: Json): Promise<ReceivedSpan> {
  const traceId = nextTraceId();
  harness.simulator.script([{ fixture }]);
  const response = await fetch(`${harness.sidecar.proxyUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "placeholder",
      authorization: "Bearer placeholder",
      traceparent: `00-${traceId}-7777777777777777-01`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  await receiver.waitFor((spans) => spans.some((span) => span.traceId === traceId && span.kind === 2));
  const chat = receiver.spans.filter((span) => span.traceId === traceId && span.name.startsWith("chat "));
  assert.equal(chat.length, 1, "one chat span");
  return chat[0] as ReceivedSpan;
}

/** Every gen_ai.usage.* attribute the span carries: compared whole, so a wrong extra one fails too. */
function usageAttributes(span: ReceivedSpan): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(span.attributes).filter(([name]) => name.startsWith("gen_ai.usage.")),
  );
}

const anthropicRequest = (stream: boolean): Json => ({
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  stream,
  messages: [{ role: "user", content: "Hi" }],
});

describe("Anthropic", () => {
  test("streamed (anthropic-text): id, model and finish reason are the recording's, usage too", async () => {
    const events = fixtureLines("anthropic/anthropic-text.chunks.txt");
    const expected = anthropicExpected(events);
    const start = events.find((event) => event.type === "message_start")?.message as Json;
    const chat = await chatSpanFor(
      "/anthropic/v1/messages",
      "anthropic/anthropic-text",
      anthropicRequest(true),
    );
    assert.equal(chat.attributes["gen_ai.response.id"], start.id);
    assert.equal(chat.attributes["gen_ai.response.model"], start.model);
    assert.notEqual(start.model, "claude-sonnet-4-5", "the response model differs from the requested one");
    assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], [expected.finish]);
    const { usage } = expected;
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens":
        (usage.input_tokens ?? 0) +
        (usage.cache_read_input_tokens ?? 0) +
        (usage.cache_creation_input_tokens ?? 0),
      "gen_ai.usage.output_tokens": usage.output_tokens,
      "gen_ai.usage.cache_read.input_tokens": usage.cache_read_input_tokens,
      "gen_ai.usage.cache_creation.input_tokens": usage.cache_creation_input_tokens,
    });
  });

  test("streamed with a cache read and a cache write: each its own attribute, both in the input", async () => {
    const expected = anthropicExpected(linesOf(derived.chunks));
    const { usage } = expected;
    assert.equal(usage.cache_read_input_tokens, cache.read);
    assert.equal(usage.cache_creation_input_tokens, cache.creation);
    const chat = await chatSpanFor(
      "/anthropic/v1/messages",
      "anthropic/anthropic-text-cache-hit",
      anthropicRequest(true),
    );
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": (usage.input_tokens ?? 0) + cache.read + cache.creation,
      "gen_ai.usage.output_tokens": usage.output_tokens,
      "gen_ai.usage.cache_read.input_tokens": cache.read,
      "gen_ai.usage.cache_creation.input_tokens": cache.creation,
    });
  });

  test("not streamed, with a cache read and a cache write: the same attributes from the JSON body", async () => {
    const body = readJson(derived.body);
    const usage = body.usage as Record<string, number>;
    const chat = await chatSpanFor(
      "/anthropic/v1/messages",
      "anthropic/anthropic-text-cache-hit",
      anthropicRequest(false),
    );
    assert.equal(chat.attributes["gen_ai.response.id"], body.id);
    assert.equal(chat.attributes["gen_ai.response.model"], body.model);
    assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], [body.stop_reason]);
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": (usage.input_tokens ?? 0) + cache.read + cache.creation,
      "gen_ai.usage.output_tokens": usage.output_tokens,
      "gen_ai.usage.cache_read.input_tokens": cache.read,
      "gen_ai.usage.cache_creation.input_tokens": cache.creation,
    });
  });
});

describe("OpenAI", () => {
  test("not streamed (openai-text.json): id, model, finish reason and usage are the recording's", async () => {
    const body = readJson(fixturePath("openai/openai-text.json"));
    const usage = body.usage as Json;
    const choice = (body.choices as Json[])[0] as Json;
    const chat = await chatSpanFor("/openai/v1/chat/completions", "openai/openai-text", {
      model: "gpt-4.1-nano",
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(chat.attributes["gen_ai.response.id"], body.id);
    assert.equal(chat.attributes["gen_ai.response.model"], body.model);
    assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], [choice.finish_reason]);
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": usage.prompt_tokens,
      "gen_ai.usage.output_tokens": usage.completion_tokens,
      "gen_ai.usage.cache_read.input_tokens": (usage.prompt_tokens_details as Json).cached_tokens,
    });
  });
});

describe("DeepSeek", () => {
  // The span records input, output and cache reads (chat-attributes.ts); DeepSeek reports no cache
  // writes, and reasoning tokens are not among the span's attributes.
  test("streamed (deepseek-tool-call): prompt_cache_hit_tokens is the cache read", async () => {
    const chunks = fixtureLines("deepseek/deepseek-tool-call.chunks.txt");
    const expected = openaiExpected(chunks);
    const { usage } = expected;
    assert.ok((usage.prompt_cache_hit_tokens ?? 0) > 0, "the recording has a cache hit");
    const chat = await chatSpanFor("/deepseek/chat/completions", "deepseek/deepseek-tool-call", {
      model: "deepseek-reasoner",
      stream: true,
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(chat.attributes["gen_ai.response.id"], chunks[0]?.id);
    assert.equal(chat.attributes["gen_ai.response.model"], expected.model);
    assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], [expected.finish]);
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": usage.prompt_tokens,
      "gen_ai.usage.output_tokens": usage.completion_tokens,
      "gen_ai.usage.cache_read.input_tokens": usage.prompt_cache_hit_tokens,
    });
  });

  test("streamed, prompt_cache_hit_tokens alone (no cached_tokens detail): still the cache read", async () => {
    const chunks = linesOf(derived.deepseek);
    assert.ok(chunks.every((chunk) => !JSON.stringify(chunk).includes("cached_tokens")));
    const { usage } = openaiExpected(chunks);
    const chat = await chatSpanFor("/deepseek/chat/completions", "deepseek/deepseek-tool-call-hit-only", {
      model: "deepseek-reasoner",
      stream: true,
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": usage.prompt_tokens,
      "gen_ai.usage.output_tokens": usage.completion_tokens,
      "gen_ai.usage.cache_read.input_tokens": usage.prompt_cache_hit_tokens,
    });
  });

  test("not streamed (deepseek-json.json): the same from the JSON body", async () => {
    const body = readJson(fixturePath("deepseek/deepseek-json.json"));
    const usage = body.usage as Record<string, number>;
    const chat = await chatSpanFor("/deepseek/chat/completions", "deepseek/deepseek-json", {
      model: "deepseek-reasoner",
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(chat.attributes["gen_ai.response.id"], body.id);
    assert.deepEqual(usageAttributes(chat), {
      "gen_ai.usage.input_tokens": usage.prompt_tokens,
      "gen_ai.usage.output_tokens": usage.completion_tokens,
      "gen_ai.usage.cache_read.input_tokens": usage.prompt_cache_hit_tokens,
    });
  });
});
