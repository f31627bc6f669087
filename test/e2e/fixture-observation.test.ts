// Every recorded Anthropic, DeepSeek and OpenAI response replayed through the sidecar is observed correctly.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { fixturesDirectory } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  type Expected,
  fixtureLines,
  fixturePath,
  openaiExpected,
  rawSsePayloads,
} from "../support/fixture-expectations.ts";
import { type Harness, startHarness } from "../support/sidecar-harness.ts";

type Json = Record<string, unknown>;

const anthropicFinish: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "refusal",
  pause_turn: "other",
};
const openaiFinish: Record<string, string> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
};

interface Case {
  readonly file: string;
  readonly dialect: "anthropic" | "openai";
  readonly streaming: boolean;
  /** What the fixture says, read independently of the sidecar's decoders. */
  readonly expected: () => Expected | { readonly error: true };
}

function anthropicJsonExpected(body: Json): Expected {
  return anthropicExpected([
    { type: "message_start", message: { ...body, content: [] } },
    { type: "message_delta", delta: { stop_reason: body.stop_reason }, usage: body.usage },
  ]);
}

function openaiJsonExpected(body: Json): Expected {
  const choices = (body.choices as Json[] | undefined) ?? [];
  return openaiExpected([{ ...body, choices: choices.map((choice) => ({ ...choice, delta: {} })) }]);
}

function cassetteExpected(file: string): Expected | { error: true } {
  const text = readFileSync(fixturePath(file), "utf8");
  const document = parseYaml(text) as Json;
  const interactions = (document.interactions as Json[] | undefined) ?? [];
  const response = interactions[0]?.response as Json | undefined;
  const status = (response?.code as number | undefined) ?? 200;
  if (status >= 400) return { error: true };
  const body = String(response?.body ?? "");
  if (body.trimStart().startsWith("{")) return openaiJsonExpected(JSON.parse(body) as Json);
  const chunks = body
    .split("\n")
    .filter((line) => line.startsWith("data: ") && !line.includes("[DONE]"))
    .map((line) => JSON.parse(line.slice(6)) as Json);
  return openaiExpected(chunks);
}

function cases(): Case[] {
  const directory = fixturesDirectory();
  const result: Case[] = [];
  for (const folder of ["anthropic", "deepseek", "openai", "openai-compatible"]) {
    if (!existsSync(`${directory}/${folder}`)) throw new Error(`fixtures folder ${folder} is missing`);
    for (const name of readdirSync(`${directory}/${folder}`).sort()) {
      const file = `${folder}/${name}`;
      const dialect = folder === "anthropic" ? "anthropic" : "openai";
      if (name.endsWith(".chunks.txt")) {
        const lines = () => fixtureLines(file);
        result.push({
          file,
          dialect,
          streaming: true,
          expected: () => (dialect === "anthropic" ? anthropicExpected(lines()) : openaiExpected(lines())),
        });
      } else if (name.endsWith(".json")) {
        const body = () => JSON.parse(readFileSync(fixturePath(file), "utf8")) as Json;
        result.push({
          file,
          dialect,
          streaming: false,
          expected: () => {
            const parsed = body();
            if ("error" in parsed) return { error: true };
            return dialect === "anthropic" ? anthropicJsonExpected(parsed) : openaiJsonExpected(parsed);
          },
        });
      } else if (name.endsWith(".txt") || name.endsWith(".sse")) {
        const payloads = () => rawSsePayloads(file);
        result.push({
          file,
          dialect,
          streaming: true,
          expected: () =>
            dialect === "anthropic" ? anthropicExpected(payloads()) : openaiExpected(payloads()),
        });
      } else if (name.endsWith(".yaml")) {
        result.push({
          file,
          dialect,
          streaming: /streaming/.test(name),
          expected: () => cassetteExpected(file),
        });
      }
    }
  }
  return result;
}

function expectedUsage(
  dialect: "anthropic" | "openai",
  usage: Record<string, number>,
): Record<string, number> {
  const result: Record<string, number> = {};
  if (dialect === "anthropic") {
    const input = usage.input_tokens;
    if (input !== undefined) {
      result.inputTokens =
        input + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    }
    if (usage.output_tokens !== undefined) result.outputTokens = usage.output_tokens;
    return result;
  }
  if (usage.prompt_tokens !== undefined) result.inputTokens = usage.prompt_tokens;
  if (usage.completion_tokens !== undefined) result.outputTokens = usage.completion_tokens;
  const cacheRead = usage.prompt_cache_hit_tokens ?? usage.cached_tokens;
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  if (usage.reasoning_tokens !== undefined) result.reasoningTokens = usage.reasoning_tokens;
  return result;
}

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

describe("every recorded response is observed as the fixture says", () => {
  const all = cases();
  test("the fixture folders hold the recordings this suite expects", () => {
    assert.ok(all.length >= 30, `found ${all.length} fixtures`);
  });
  for (const fixture of all) {
    test(fixture.file, async () => {
      const prefix = fixture.dialect === "anthropic" ? "anthropic/v1/messages" : "deepseek/chat/completions";
      const name = fixture.file.replace(/\.(chunks\.txt|json|txt|sse|yaml)$/, "");
      const count = harness.finished.length;
      const response = await fetch(`${harness.sidecar.proxyUrl}/${prefix}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-simulator-fixture": name },
        body: JSON.stringify({ model: "any", stream: fixture.streaming, messages: [] }),
      });
      await response.arrayBuffer();
      const [exchange] = (await harness.waitFinished(count + 1)).slice(count);
      assert.ok(exchange);
      const expected = fixture.expected();
      if ("error" in expected) {
        assert.ok(response.status >= 400);
        assert.ok(exchange.observed.errorType, "an upstream error is observed");
        return;
      }
      if (fixture.file.includes("spliced-message-start")) {
        // A second, different message spliced into the stream: reported, not silently merged.
        assert.equal(response.status, 200, "the bytes still pass through unchanged");
        assert.ok(exchange.observed.errorType, "the corrupt stream is observed as an error");
        return;
      }
      const observedUsage = Object.fromEntries(
        Object.entries(exchange.observed.usage).filter(
          ([key]) => key in expectedUsage(fixture.dialect, expected.usage),
        ),
      );
      assert.deepEqual(observedUsage, expectedUsage(fixture.dialect, expected.usage));
      if (expected.finish === undefined) {
        // A stream cut before its end: the sidecar says so instead of passing it off as complete.
        assert.equal(exchange.observed.errorType, "upstream_stream_interrupted");
      } else {
        assert.equal(exchange.observed.rawFinishReason, expected.finish);
        const table = fixture.dialect === "anthropic" ? anthropicFinish : openaiFinish;
        assert.equal(exchange.observed.finishReason, table[expected.finish] ?? "other");
      }
      if (expected.model !== undefined) assert.equal(exchange.observed.responseModel, expected.model);
      if (
        fixture.streaming &&
        (expected.text !== "" || expected.toolCalls.length > 0 || expected.reasoning !== "")
      ) {
        assert.ok(exchange.timings.firstToken !== undefined, "time of the first content token recorded");
      }
    });
  }
});

describe("answers that are not chat answers", () => {
  test("a 2xx JSON body of another endpoint passes unobserved and is not an error", async () => {
    harness.simulator.script([
      {
        respond: {
          status: 200,
          headers: { "content-type": "application/json" },
          body: { object: "list", data: [] },
        },
      },
    ]);
    const count = harness.finished.length;
    const response = await fetch(`${harness.sidecar.proxyUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt", messages: [] }),
    });
    assert.deepEqual(await response.json(), { object: "list", data: [] });
    const [exchange] = (await harness.waitFinished(count + 1)).slice(count);
    assert.equal(exchange?.observed.errorType, undefined);
  });
});
