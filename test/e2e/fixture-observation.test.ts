// Every recorded Anthropic, DeepSeek and OpenAI response replayed through the sidecar is observed correctly.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { fixturesDirectory } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  anthropicUsageFields,
  fixtureLines,
  fixturePath,
  openaiExpected,
  openaiUsageFields,
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
  /**
   * The fixture as a sequence of stream payloads (a body becomes one, or message_start + message_delta),
   * read independently of the sidecar's decoders; `error` for an upstream error answer.
   */
  readonly payloads: () => Json[] | { readonly error: true };
}

/** An Anthropic Messages body as the two stream events that carry what the observation reads. */
function anthropicBodyEvents(body: Json): Json[] {
  return [
    { type: "message_start", message: { ...body, content: [] } },
    { type: "message_delta", delta: { stop_reason: body.stop_reason }, usage: body.usage },
  ];
}

/** A completion body as one chunk whose choices carry its finish reasons. */
function openaiBodyChunks(body: Json): Json[] {
  const choices = (body.choices as Json[] | undefined) ?? [];
  return [{ ...body, choices: choices.map((choice) => ({ ...choice, delta: {} })) }];
}

function cassettePayloads(file: string): Json[] | { error: true } {
  const text = readFileSync(fixturePath(file), "utf8");
  const document = parseYaml(text) as Json;
  const interactions = (document.interactions as Json[] | undefined) ?? [];
  const response = interactions[0]?.response as Json | undefined;
  const status = (response?.code as number | undefined) ?? 200;
  if (status >= 400) return { error: true };
  const body = String(response?.body ?? "");
  if (body.trimStart().startsWith("{")) return openaiBodyChunks(JSON.parse(body) as Json);
  return body
    .split("\n")
    .filter((line) => line.startsWith("data: ") && !line.includes("[DONE]"))
    .map((line) => JSON.parse(line.slice(6)) as Json);
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
        result.push({ file, dialect, streaming: true, payloads: () => fixtureLines(file) });
      } else if (name.endsWith(".json")) {
        result.push({
          file,
          dialect,
          streaming: false,
          payloads: () => {
            const parsed = JSON.parse(readFileSync(fixturePath(file), "utf8")) as Json;
            if ("error" in parsed) return { error: true };
            return dialect === "anthropic" ? anthropicBodyEvents(parsed) : openaiBodyChunks(parsed);
          },
        });
      } else if (name.endsWith(".txt") || name.endsWith(".sse")) {
        result.push({ file, dialect, streaming: true, payloads: () => rawSsePayloads(file) });
      } else if (name.endsWith(".yaml")) {
        result.push({
          file,
          dialect,
          streaming: /streaming/.test(name),
          payloads: () => cassettePayloads(file),
        });
      }
    }
  }
  return result;
}

/**
 * Usage fields the fixtures carry that StandardUsage has no place for, each with why. A field neither
 * here nor mapped below fails the suite, so a new recording cannot slip a usage field past it unchecked.
 */
const unmappedUsage: Record<"anthropic" | "openai", readonly RegExp[]> = {
  anthropic: [
    // The 5-minute / 1-hour split of cache_creation_input_tokens (checked to add up to it below).
    /^cache_creation\.ephemeral_(5m|1h)_input_tokens$/,
    // Counts of server tool runs, not tokens.
    /^server_tool_use\./,
    // Per-attempt breakdown of a fallback stream; the top-level fields are the totals.
    /^iterations\.\d+\.(input_tokens|output_tokens|cache_read_input_tokens|cache_creation_input_tokens)$/,
  ],
  openai: [
    // The sum of prompt and completion tokens (xAI adds reasoning on top); StandardUsage keeps the parts.
    /^total_tokens$/,
    // DeepSeek: the input not read from cache, checked below as inputTokens - cacheReadTokens.
    /^prompt_cache_miss_tokens$/,
    // Modality and prediction breakdowns StandardUsage does not carry.
    /^prompt_tokens_details\.(audio_tokens|text_tokens|image_tokens)$/,
    /^completion_tokens_details\.(audio_tokens|accepted_prediction_tokens|rejected_prediction_tokens)$/,
    // xAI: sources used by live search and the price, not tokens.
    /^num_sources_used$/,
    /^cost_in_usd_ticks$/,
  ],
};

/** What StandardUsage (src/schema/standard-usage.ts) must hold for the usage fields a fixture carries. */
function expectedStandardUsage(
  file: string,
  dialect: "anthropic" | "openai",
  fields: Record<string, number>,
): Record<string, number> {
  const result: Record<string, number> = {};
  const mapped = new Set<string>();
  const take = (field: string): number | undefined => {
    mapped.add(field);
    return fields[field];
  };
  if (dialect === "anthropic") {
    const input = take("input_tokens");
    const cacheRead = take("cache_read_input_tokens");
    const cacheWrite = take("cache_creation_input_tokens");
    const output = take("output_tokens");
    // Anthropic counts cache reads and writes apart from input_tokens; the standard input is the sum.
    if (input !== undefined) result.inputTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
    if (output !== undefined) result.outputTokens = output;
    if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
    if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
    const split = ["cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens"];
    if (split.some((field) => field in fields)) {
      const sum = split.reduce((total, field) => total + (fields[field] ?? 0), 0);
      assert.equal(sum, cacheWrite, `${file}: the fixture's cache_creation split adds up to its total`);
    }
  } else {
    const input = take("prompt_tokens");
    const output = take("completion_tokens");
    // DeepSeek names cache reads prompt_cache_hit_tokens and also reports the OpenAI-style field.
    const hit = take("prompt_cache_hit_tokens");
    const cached = take("prompt_tokens_details.cached_tokens");
    if (hit !== undefined && cached !== undefined) {
      assert.equal(hit, cached, `${file}: the fixture's two cache-read counts agree`);
    }
    const reasoning = take("completion_tokens_details.reasoning_tokens");
    if (input !== undefined) result.inputTokens = input;
    if (output !== undefined) result.outputTokens = output;
    const cacheRead = hit ?? cached;
    if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
    if (reasoning !== undefined) result.reasoningTokens = reasoning;
  }
  const unaccounted = Object.keys(fields).filter(
    (field) => !mapped.has(field) && !unmappedUsage[dialect].some((pattern) => pattern.test(field)),
  );
  assert.deepEqual(unaccounted, [], `${file}: usage fields with no expectation; map them or say why not`);
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
  test("together they carry every StandardUsage field, cache reads and reasoning non-zero", () => {
    const seen = new Map<string, number>();
    for (const fixture of all) {
      const payloads = fixture.payloads();
      if ("error" in payloads) continue;
      const fields =
        fixture.dialect === "anthropic" ? anthropicUsageFields(payloads) : openaiUsageFields(payloads);
      for (const [key, value] of Object.entries(
        expectedStandardUsage(fixture.file, fixture.dialect, fields),
      )) {
        seen.set(key, Math.max(seen.get(key) ?? 0, value));
      }
    }
    const fieldsOfStandardUsage = [
      "cacheReadTokens",
      "cacheWriteTokens",
      "inputTokens",
      "outputTokens",
      "reasoningTokens",
    ];
    assert.deepEqual([...seen.keys()].sort(), fieldsOfStandardUsage);
    assert.ok((seen.get("cacheReadTokens") ?? 0) > 0, "some fixture reads from the cache");
    assert.ok((seen.get("reasoningTokens") ?? 0) > 0, "some fixture reports reasoning tokens");
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
      const payloads = fixture.payloads();
      if ("error" in payloads) {
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
      const expected =
        fixture.dialect === "anthropic" ? anthropicExpected(payloads) : openaiExpected(payloads);
      const fields =
        fixture.dialect === "anthropic" ? anthropicUsageFields(payloads) : openaiUsageFields(payloads);
      // The whole observed usage, not only the fields expected: a field the fixture lacks must stay absent.
      assert.deepEqual(
        { ...exchange.observed.usage },
        expectedStandardUsage(fixture.file, fixture.dialect, fields),
        `${fixture.file}: observed usage`,
      );
      const miss = fields.prompt_cache_miss_tokens;
      if (miss !== undefined) {
        const { inputTokens = Number.NaN, cacheReadTokens = Number.NaN } = exchange.observed.usage;
        assert.equal(inputTokens - cacheReadTokens, miss, "DeepSeek's cache misses are the uncached input");
      }
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
