// Property tests: no decoder throws, whatever bytes arrive and however they are chunked.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createAnthropicDecoder } from "../../src/providers/anthropic/anthropic-to-standard.ts";
import { createOpenAIDecoder } from "../../src/providers/openai/openai-to-standard.ts";
import type { StandardEventDecoder } from "../../src/schema/standard-event.ts";
import { anthropicChunksToSse, openaiChunksToSse } from "./fixtures.ts";

const contentTypes = [
  "text/event-stream",
  "application/json",
  "application/x-ndjson",
  "application/x-protobuf",
  "application/vnd.amazon.eventstream",
];

const factories: [string, () => StandardEventDecoder][] = contentTypes.flatMap((contentType) => [
  [`anthropic ${contentType}`, () => createAnthropicDecoder(contentType)!],
  [`openai ${contentType}`, () => createOpenAIDecoder(contentType)!],
]);

function feed(create: () => StandardEventDecoder, bytes: Uint8Array, cuts: number[]): number {
  const decoder = create();
  let count = 0;
  let start = 0;
  for (const cut of [...cuts.map((cut) => cut % (bytes.length + 1))].sort((left, right) => left - right)) {
    count += decoder.push(bytes.subarray(start, cut)).length;
    start = cut;
  }
  count += decoder.push(bytes.subarray(start)).length;
  return count + decoder.end().length;
}

test("random bytes in random chunks never make a decoder throw", () => {
  for (const [name, create] of factories) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        assert.doesNotThrow(() => feed(create, bytes, cuts), name);
      }),
      { numRuns: 100, seed: 42 },
    );
  }
});

test("fixture streams with random bytes flipped never make a decoder throw", () => {
  const bodies = [
    anthropicChunksToSse("anthropic/anthropic-json-tool.2.chunks.txt"),
    openaiChunksToSse("openai-compatible/xai-tool-call.chunks.txt").subarray(0, 4096),
  ];
  for (const body of bodies) {
    for (const [name, create] of factories) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
          (flips) => {
            const corrupted = body.slice();
            for (const [offset, mask] of flips) corrupted[offset % corrupted.length]! ^= mask;
            assert.doesNotThrow(() => feed(create, corrupted, [17, 400, 1201]), name);
          },
        ),
        { numRuns: 25, seed: 7 },
      );
    }
  }
});
