// Property tests: random standard requests survive standard → dialect body → standard wherever the dialect can say them.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { anthropicRequestToStandard } from "../../src/providers/anthropic/anthropic-request-to-standard.ts";
import { standardToAnthropicRequest } from "../../src/providers/anthropic/standard-to-anthropic.ts";
import { openaiRequestToStandard } from "../../src/providers/openai/openai-request-to-standard.ts";
import { standardToOpenAIRequest } from "../../src/providers/openai/standard-to-openai.ts";
import type {
  StandardImagePart,
  StandardMessage,
  StandardPart,
  StandardRequest,
  StandardTextPart,
} from "../../src/schema/standard-request.ts";

const runs = { numRuns: 150 };
const text = fc
  .string({ minLength: 1, maxLength: 20 })
  .map((value): StandardTextPart => ({ type: "text", text: value }));
const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
const base64 = fc.base64String({ minLength: 4, maxLength: 24 }).filter((value) => value.length > 0);
const image = (withDetail: boolean): fc.Arbitrary<StandardImagePart> =>
  fc
    .record({
      source: fc.oneof(
        fc.record({
          kind: fc.constant("base64" as const),
          mediaType: fc.constantFrom("image/png", "image/jpeg"),
          data: base64,
        }),
        fc.record({ kind: fc.constant("url" as const), url: fc.webUrl() }),
      ),
      detail: withDetail
        ? fc.option(fc.constantFrom("low", "high", "auto"), { nil: undefined })
        : fc.constant(undefined),
    })
    .map(({ source, detail }) => ({
      type: "image",
      source: { ...source },
      ...(detail === undefined ? {} : { detail }),
    }));
const toolCall = fc
  .record({
    id: identifier,
    name: identifier,
    input: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  })
  .map(
    ({ id, name, input }): StandardPart => ({
      type: "tool-call",
      id,
      name,
      arguments: JSON.stringify(input),
    }),
  );

/** Alternating turns (each dialect merges consecutive turns of one role), tool results first in a user turn. */
function conversation(
  userParts: fc.Arbitrary<StandardPart[]>,
  assistantParts: fc.Arbitrary<StandardPart[]>,
): fc.Arbitrary<StandardMessage[]> {
  return fc.array(fc.tuple(userParts, assistantParts), { minLength: 1, maxLength: 3 }).map((turns) =>
    turns.flatMap(([user, assistant]) => [
      { role: "user" as const, parts: user },
      { role: "assistant" as const, parts: assistant },
    ]),
  );
}

const toolResult = (content: fc.Arbitrary<(StandardTextPart | StandardImagePart)[]>, withError: boolean) =>
  fc.record({ toolCallId: identifier, content, isError: withError ? fc.boolean() : fc.constant(false) }).map(
    ({ toolCallId, content: parts, isError }): StandardPart => ({
      type: "tool-result",
      toolCallId,
      content: parts,
      ...(isError ? { isError: true } : {}),
    }),
  );

const common = {
  system: fc.option(fc.array(text, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  tools: fc.option(
    fc.array(
      fc.record({
        name: identifier,
        description: fc.option(fc.string(), { nil: undefined }),
        parameters: fc.constant({ type: "object" }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    { nil: undefined },
  ),
  maxTokens: fc.integer({ min: 1, max: 100_000 }),
  temperature: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  topP: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  stop: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }), {
    nil: undefined,
  }),
  stream: fc.boolean(),
  user: fc.option(identifier, { nil: undefined }),
};

/** Drops undefined fields and fast-check's null prototypes: the readers build plain objects. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

const anthropicRequest: fc.Arbitrary<StandardRequest> = fc
  .record({
    ...common,
    messages: conversation(
      fc
        .tuple(
          fc.array(toolResult(fc.array(fc.oneof(text, image(false)), { maxLength: 2 }), true), {
            maxLength: 2,
          }),
          fc.array(fc.oneof(text, image(false)), { maxLength: 2 }),
        )
        .map(([results, rest]) => [...results, ...rest])
        .filter((parts) => parts.length > 0),
      fc.array(
        fc.oneof(
          text,
          toolCall,
          fc.record({ type: fc.constant("reasoning" as const), text: fc.string(), signature: identifier }),
          fc.record({ type: fc.constant("reasoning" as const), text: fc.constant(""), redacted: identifier }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    ),
    choice: fc.option(
      fc.record({
        toolChoice: fc.oneof(
          fc.constant({ type: "auto" as const }),
          fc.constant({ type: "required" as const }),
          fc.record({ type: fc.constant("tool" as const), name: identifier }),
        ),
        parallel: fc.option(fc.constant(false), { nil: undefined }),
      }),
      { nil: undefined },
    ),
    topK: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    budget: fc.option(fc.integer({ min: 1024, max: 32_000 }), { nil: undefined }),
  })
  .map(({ choice, user, budget, ...rest }) =>
    plain({
      model: "claude-test",
      ...rest,
      ...(choice === undefined ? {} : { toolChoice: choice.toolChoice, parallelToolCalls: choice.parallel }),
      ...(budget === undefined ? {} : { reasoning: { enabled: true, budgetTokens: budget } }),
      ...(user === undefined ? {} : { metadata: { user } }),
    }),
  );

test("random standard requests survive standard → Anthropic Messages body → standard", () => {
  fc.assert(
    fc.property(anthropicRequest, (original) => {
      const body = JSON.parse(JSON.stringify(standardToAnthropicRequest(original)));
      assert.deepEqual(anthropicRequestToStandard(body), original);
    }),
    runs,
  );
});

const openaiRequest = (model: string, reasoningText: boolean): fc.Arbitrary<StandardRequest> =>
  fc
    .record({
      ...common,
      messages: conversation(
        fc
          .tuple(
            fc.array(toolResult(fc.array(text, { maxLength: 2 }), false), { maxLength: 2 }),
            fc.array(fc.oneof(text, image(true)), { maxLength: 2 }),
          )
          .map(([results, rest]) => [...results, ...rest])
          .filter((parts) => parts.length > 0),
        fc
          .record({
            reasoning: reasoningText
              ? fc.option(fc.string({ minLength: 1 }), { nil: undefined })
              : fc.constant(undefined),
            texts: fc.array(text, { maxLength: 2 }),
            calls: fc.array(toolCall, { maxLength: 2 }),
          })
          // Chat Completions has one reasoning string, then the content, then the calls.
          .map(({ reasoning, texts, calls }): StandardPart[] => [
            ...(reasoning === undefined ? [] : [{ type: "reasoning" as const, text: reasoning }]),
            ...texts,
            ...calls,
          ])
          .filter((parts) => parts.length > 0),
      ),
      toolChoice: fc.option(
        fc.oneof(
          fc.constant({ type: "auto" as const }),
          fc.constant({ type: "required" as const }),
          fc.constant({ type: "none" as const }),
          fc.record({ type: fc.constant("tool" as const), name: identifier }),
        ),
        { nil: undefined },
      ),
      parallelToolCalls: fc.option(fc.boolean(), { nil: undefined }),
      reasoning: fc.option(
        reasoningText
          ? fc.boolean().map((enabled) => ({ enabled }))
          : fc.constantFrom("minimal", "low", "medium", "high").map((effort) => ({ enabled: true, effort })),
        { nil: undefined },
      ),
    })
    .map(({ user, stream, system, ...rest }) =>
      plain({
        model,
        // Leading system text arrives as one system message; a single part round-trips exactly.
        ...(system === undefined ? {} : { system: system.slice(0, 1) }),
        ...rest,
        stream,
        ...(stream ? { streamUsage: true } : {}),
        ...(user === undefined ? {} : { metadata: { user } }),
      }),
    );

for (const [model, reasoningText] of [
  ["gpt-test", false],
  ["deepseek-test", true],
] as const) {
  test(`random standard requests survive standard → Chat Completions body (${model}) → standard`, () => {
    fc.assert(
      fc.property(openaiRequest(model, reasoningText), (original) => {
        const body = JSON.parse(JSON.stringify(standardToOpenAIRequest(original)));
        assert.deepEqual(openaiRequestToStandard(body), original);
      }),
      runs,
    );
  });
}
