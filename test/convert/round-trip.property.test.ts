// Property tests: random standard responses and streams survive standard → dialect → standard where the dialect can say them.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  createDialectDecoder,
  createDialectEncoder,
  dialectResponseToStandard,
  standardToDialectResponse,
} from "../../src/convert/dialect-codecs.ts";
import type { Dialect } from "../../src/providers/provider-adapter.ts";
import type { StandardStreamEvent } from "../../src/schema/standard-event.ts";
import type { StandardResponse, StandardResponsePart } from "../../src/schema/standard-response.ts";
import { mergeStandardUsage, type StandardUsage } from "../../src/schema/standard-usage.ts";
import { splitBytes } from "./sdk-harness.ts";

const runs = { numRuns: 120 };
const word = fc.string({ minLength: 1, maxLength: 12 });
const count = fc.nat({ max: 100_000 });
const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const jsonObjectText = fc
  .dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  .map((value) => JSON.stringify(value));

const anthropicFinish = fc.constantFrom(
  ["stop", "end_turn"],
  ["stop", "stop_sequence"],
  ["length", "max_tokens"],
  ["tool_calls", "tool_use"],
  ["refusal", "refusal"],
  ["other", "pause_turn"],
) as fc.Arbitrary<[StandardResponse["finishReason"], string]>;
const openaiFinish = fc.constantFrom(
  ["stop", "stop"],
  ["length", "length"],
  ["tool_calls", "tool_calls"],
  ["content_filter", "content_filter"],
) as fc.Arbitrary<[StandardResponse["finishReason"], string]>;

/** Anthropic counts cache tokens apart from input tokens, so the standard input is at least their sum. */
const anthropicUsage: fc.Arbitrary<StandardUsage> = fc
  .record({
    fresh: count,
    outputTokens: count,
    cacheReadTokens: fc.option(count, { nil: undefined }),
    cacheWriteTokens: fc.option(count, { nil: undefined }),
  })
  .map(({ fresh, outputTokens, cacheReadTokens, cacheWriteTokens }) => ({
    inputTokens: fresh + (cacheReadTokens ?? 0) + (cacheWriteTokens ?? 0),
    outputTokens,
    ...(cacheReadTokens === undefined ? {} : { cacheReadTokens }),
    ...(cacheWriteTokens === undefined ? {} : { cacheWriteTokens }),
  }));
/** Chat Completions has no cache-write count. */
const openaiUsage: fc.Arbitrary<StandardUsage> = fc
  .record({
    inputTokens: count,
    outputTokens: count,
    cacheReadTokens: fc.option(count, { nil: undefined }),
    reasoningTokens: fc.option(count, { nil: undefined }),
  })
  .map((usage) => Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== undefined)));

const anthropicPart: fc.Arbitrary<StandardResponsePart> = fc
  .oneof(
    fc.record({ type: fc.constant("text" as const), text: fc.string() }),
    fc.record({ type: fc.constant("reasoning" as const), text: fc.string(), signature: word }),
    fc.record({ type: fc.constant("reasoning" as const), text: fc.constant(""), redacted: word }),
    fc.record({
      type: fc.constant("tool-call" as const),
      id: identifier,
      name: identifier,
      arguments: jsonObjectText,
    }),
    // fast-check records have no prototype; decoded parts are plain objects.
  )
  .map((part) => ({ ...part }));

function response(
  provider: string,
  parts: fc.Arbitrary<StandardResponsePart[]>,
  usage: fc.Arbitrary<StandardUsage>,
  finish: fc.Arbitrary<[StandardResponse["finishReason"], string]>,
): fc.Arbitrary<StandardResponse> {
  return fc
    .record({ id: identifier, model: identifier, parts, usage, finish })
    .map(({ finish: [finishReason, rawFinishReason], ...rest }) => ({
      provider,
      ...rest,
      finishReason,
      rawFinishReason,
    }));
}

/** Chat Completions has one reasoning string, one content string, then the tool calls. */
const openaiParts = fc
  .record({
    reasoning: fc.option(word, { nil: undefined }),
    text: fc.option(word, { nil: undefined }),
    tools: fc.array(fc.record({ id: identifier, name: identifier, arguments: fc.string() }), {
      maxLength: 3,
    }),
  })
  .map(({ reasoning, text, tools }): StandardResponsePart[] => [
    ...(reasoning === undefined ? [] : [{ type: "reasoning" as const, text: reasoning }]),
    ...(text === undefined ? [] : [{ type: "text" as const, text }]),
    // A call without arguments is `{}` in Chat Completions (`""` is not JSON).
    ...tools.map((tool) => ({ type: "tool-call" as const, ...tool, arguments: tool.arguments || "{}" })),
  ]);

function throughDialect(dialect: Dialect, original: StandardResponse): StandardResponse | undefined {
  const body = JSON.parse(JSON.stringify(standardToDialectResponse(dialect, original)));
  return dialectResponseToStandard(dialect, body, original.provider);
}

test("random standard responses survive standard → Anthropic JSON → standard", () => {
  fc.assert(
    fc.property(
      response("anthropic", fc.array(anthropicPart, { maxLength: 5 }), anthropicUsage, anthropicFinish),
      (original) => {
        assert.deepEqual(throughDialect("anthropic", original), original);
      },
    ),
    runs,
  );
});

test("random standard responses survive standard → Chat Completions JSON → standard", () => {
  fc.assert(
    fc.property(response("deepseek", openaiParts, openaiUsage, openaiFinish), (original) => {
      assert.deepEqual(throughDialect("openai", original), original);
    }),
    runs,
  );
});

/** A response as stream events: each part's content cut into random non-empty fragments. */
function events(original: StandardResponse, fragments: number[]): StandardStreamEvent[] {
  const result: StandardStreamEvent[] = [{ type: "response-start", id: original.id, model: original.model }];
  let cut = 0;
  const pieces = (text: string): string[] => {
    const out: string[] = [];
    for (let start = 0; start < text.length; ) {
      const size = 1 + ((fragments[cut++ % fragments.length] ?? 0) % 7);
      out.push(text.slice(start, start + size));
      start += size;
    }
    return out;
  };
  original.parts.forEach((part, index) => {
    if (part.type === "text")
      for (const text of pieces(part.text)) result.push({ type: "text-delta", index, text });
    else if (part.type === "reasoning") {
      for (const text of pieces(part.text)) result.push({ type: "reasoning-delta", index, text });
      if (part.signature !== undefined)
        result.push({ type: "reasoning-delta", index, text: "", signature: part.signature });
    } else {
      result.push({ type: "tool-call-start", index, id: part.id, name: part.name });
      for (const argumentsDelta of pieces(part.arguments))
        result.push({ type: "tool-call-delta", index, argumentsDelta });
      result.push({ type: "tool-call-end", index });
    }
  });
  result.push({ type: "usage", usage: original.usage });
  result.push({
    type: "response-end",
    finishReason: original.finishReason,
    rawFinishReason: original.rawFinishReason,
  });
  return result;
}

/** Folds decoded events back into a response: consecutive deltas of one kind and index make one part. */
function fold(decoded: StandardStreamEvent[], provider: string): StandardResponse {
  const folded: StandardResponse = { provider, parts: [], usage: {} };
  const byIndex = new Map<number, StandardResponsePart & { text?: string; arguments?: string }>();
  for (const event of decoded) {
    if (event.type === "response-start") {
      folded.id = event.id;
      folded.model = event.model;
      if (event.usage !== undefined) folded.usage = mergeStandardUsage(folded.usage, event.usage);
    } else if (event.type === "text-delta" || event.type === "reasoning-delta") {
      let part = byIndex.get(event.index);
      if (part === undefined) {
        part = event.type === "text-delta" ? { type: "text", text: "" } : { type: "reasoning", text: "" };
        byIndex.set(event.index, part);
        folded.parts.push(part);
      }
      part.text += event.text;
      if (event.type === "reasoning-delta" && event.signature !== undefined)
        Object.assign(part, { signature: event.signature });
    } else if (event.type === "tool-call-start") {
      const part = { type: "tool-call" as const, id: event.id, name: event.name, arguments: "" };
      byIndex.set(event.index, part);
      folded.parts.push(part);
    } else if (event.type === "tool-call-delta") {
      const part = byIndex.get(event.index);
      assert.ok(part?.type === "tool-call", "a tool delta belongs to an open tool call");
      part.arguments += event.argumentsDelta;
    } else if (event.type === "usage") folded.usage = mergeStandardUsage(folded.usage, event.usage);
    else if (event.type === "response-end") {
      if (event.usage !== undefined) folded.usage = mergeStandardUsage(folded.usage, event.usage);
      folded.finishReason = event.finishReason;
      folded.rawFinishReason = event.rawFinishReason;
    } else if (event.type === "error") assert.fail(`unexpected error event: ${event.message}`);
  }
  return folded;
}

function streamThrough(
  dialect: Dialect,
  original: StandardResponse,
  fragments: number[],
  seed: number,
): StandardResponse {
  const encoder = createDialectEncoder(dialect, { includeUsage: true });
  const bytes = Buffer.concat([
    ...events(original, fragments).flatMap((event) => encoder.push(event)),
    ...encoder.end(),
  ]);
  const decoder = createDialectDecoder(dialect, "text/event-stream", original.provider);
  assert.ok(decoder);
  const decoded = [...splitBytes(bytes, seed, 40).flatMap((piece) => decoder.push(piece)), ...decoder.end()];
  return fold(decoded, original.provider);
}

/** Streams carry no empty parts: a part with nothing in it never opens a block. */
const nonEmptyAnthropicPart = anthropicPart
  .filter((part) => part.type !== "text" || part.text !== "")
  .filter((part) => part.type !== "reasoning" || part.redacted === undefined);

test("random standard event streams survive encoder → Anthropic SSE → decoder, any split", () => {
  fc.assert(
    fc.property(
      response(
        "anthropic",
        fc.array(nonEmptyAnthropicPart, { maxLength: 5 }),
        anthropicUsage,
        anthropicFinish,
      ),
      fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (original, fragments, seed) => {
        assert.deepEqual(streamThrough("anthropic", original, fragments, seed), original);
      },
    ),
    runs,
  );
});

test("random standard event streams survive encoder → Chat Completions SSE → decoder, any split", () => {
  fc.assert(
    fc.property(
      response("deepseek", openaiParts, openaiUsage, openaiFinish),
      fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (original, fragments, seed) => {
        const decoded = streamThrough("openai", original, fragments, seed);
        // The first chunk carries the role with `content: ""`; nothing else differs.
        assert.deepEqual(decoded, original);
      },
    ),
    runs,
  );
});
