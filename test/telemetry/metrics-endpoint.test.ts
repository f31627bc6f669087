// /metrics after real SDK calls: promtool accepts it, histogram counts and sums match the calls, labels stay bounded and secret-free.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { anthropicExpected, fixtureLines, openaiExpected } from "../support/fixture-expectations.ts";
import { type Harness, harnessConfig, startHarness, upstreamKeys } from "../support/sidecar-harness.ts";
import { parseSamples, promtoolAvailable, promtoolCheck, type Sample, total } from "./prometheus-text.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
const prompt = "Count to three PROMPT-MARKER-91c2";
let harness: Harness;
let text: string;
let samples: Sample[];
let wallSeconds: number;
const streamedCalls = 3;
const plainCalls = 2;

before(async () => {
  // Two model names fit under the cap, a configured one always keeps its name, a fourth is `_other`.
  harness = await startHarness({
    config: (url) =>
      harnessConfig(url, {
        telemetry: { metrics: { maxModels: 2 } },
        models: [{ match: "deepseek-chat", provider: "deepseek" }],
      }),
  });
  const anthropic = new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
  const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: clientKey });
  const deepseek = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/deepseek`, apiKey: clientKey });
  const started = performance.now();
  for (let index = 0; index < streamedCalls; index += 1) {
    await anthropic.messages
      .stream({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: prompt }] })
      .finalMessage();
  }
  for (let index = 0; index < plainCalls; index += 1) {
    await openai.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: prompt }],
    });
  }
  await deepseek.chat.completions.create({
    model: "deepseek-chat",
    messages: [{ role: "user", content: prompt }],
  });
  await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
  });
  await harness.waitFinished(streamedCalls + plainCalls + 2);
  wallSeconds = (performance.now() - started) / 1000;
  const response = await fetch(`${harness.sidecar.adminUrl}/metrics`);
  assert.equal(response.status, 200);
  text = await response.text();
  samples = parseSamples(text);
});
after(async () => {
  await harness.close();
});

test("promtool check metrics accepts /metrics", () => {
  assert.ok(promtoolAvailable(), "promtool is missing: apt-get install prometheus (.ci/run does)");
  const result = promtoolCheck(text);
  assert.equal(result.status, 0, result.output);
});

test("token usage histograms count each call and sum the fixture's tokens", () => {
  const anthropicUsage = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt")).usage;
  const anthropicInput =
    (anthropicUsage.input_tokens ?? 0) +
    (anthropicUsage.cache_read_input_tokens ?? 0) +
    (anthropicUsage.cache_creation_input_tokens ?? 0);
  const anthropicLabels = { gen_ai_provider_name: "anthropic", gen_ai_request_model: "claude-sonnet-4-5" };
  const name = "gen_ai_client_token_usage";
  assert.equal(
    total(samples, `${name}_count`, { ...anthropicLabels, gen_ai_token_type: "output" }),
    streamedCalls,
  );
  assert.equal(
    total(samples, `${name}_sum`, { ...anthropicLabels, gen_ai_token_type: "output" }),
    streamedCalls * (anthropicUsage.output_tokens ?? Number.NaN),
  );
  assert.equal(
    total(samples, `${name}_sum`, { ...anthropicLabels, gen_ai_token_type: "input" }),
    streamedCalls * anthropicInput,
  );

  const openaiUsage = openaiExpected(fixtureLines("openai/openai-text.chunks.txt")).usage;
  const openaiLabels = { gen_ai_provider_name: "openai", gen_ai_request_model: "gpt-4.1-mini" };
  assert.equal(total(samples, `${name}_count`, { ...openaiLabels, gen_ai_token_type: "input" }), plainCalls);
  assert.ok(openaiUsage.completion_tokens !== undefined);
  // The +Inf bucket holds every observation.
  assert.equal(
    total(samples, `${name}_bucket`, { ...openaiLabels, gen_ai_token_type: "input", le: "+Inf" }),
    plainCalls,
  );
});

test("duration histograms count every call; their sums fit inside the time the calls took", () => {
  const calls = streamedCalls + plainCalls + 2;
  assert.equal(total(samples, "gen_ai_client_operation_duration_seconds_count"), calls);
  const durationSum = total(samples, "gen_ai_client_operation_duration_seconds_sum");
  assert.ok(durationSum > 0 && durationSum <= wallSeconds, `${durationSum} s within ${wallSeconds} s`);
  assert.equal(total(samples, "outrigger_request_duration_seconds_count"), calls);
  assert.equal(total(samples, "outrigger_upstream_ttfb_seconds_count"), calls);
  assert.ok(total(samples, "outrigger_upstream_ttfb_seconds_sum") <= durationSum);
  // Only streamed responses have a first chunk.
  assert.equal(total(samples, "gen_ai_client_operation_time_to_first_chunk_seconds_count"), streamedCalls);
  assert.equal(
    total(samples, "outrigger_requests_total", {
      provider: "anthropic",
      outcome: "success",
      status_class: "2xx",
    }),
    streamedCalls,
  );
  assert.equal(total(samples, "outrigger_active_streams"), 0, "no stream left open");
});

test("GenAI buckets are the conventions' boundaries", () => {
  const bounds = (name: string) => [
    ...new Set(
      samples.filter((sample) => sample.name === `${name}_bucket`).map((sample) => sample.labels.le),
    ),
  ];
  assert.deepEqual(bounds("gen_ai_client_token_usage").slice(0, 4), ["1", "4", "16", "64"]);
  assert.equal(bounds("gen_ai_client_token_usage").at(-2), "67108864");
  assert.deepEqual(bounds("gen_ai_client_operation_duration_seconds").slice(0, 3), ["0.01", "0.02", "0.04"]);
  assert.equal(bounds("gen_ai_client_operation_duration_seconds").at(-2), "81.92");
  // Time to first chunk shares the duration's boundaries in the conventions (not the server-side TTFT ones).
  assert.deepEqual(
    bounds("gen_ai_client_operation_time_to_first_chunk_seconds"),
    bounds("gen_ai_client_operation_duration_seconds"),
  );
});

test("model labels are capped: configured and first-seen models keep their names, later ones are _other", () => {
  const models = new Set(
    samples
      .filter((sample) => sample.name === "outrigger_requests_total")
      .map((sample) => sample.labels.model),
  );
  assert.deepEqual([...models].sort(), ["_other", "claude-sonnet-4-5", "deepseek-chat", "gpt-4.1-mini"]);
});

test("pool connections, credential state, event-loop lag and process defaults are exposed", () => {
  assert.ok(
    total(samples, "outrigger_upstream_connections", { provider: "anthropic", state: "connected" }) >= 1,
  );
  assert.ok(
    samples.some(
      (sample) => sample.name === "outrigger_upstream_connections" && sample.labels.state === "free",
    ),
  );
  assert.equal(total(samples, "outrigger_credential_available", { provider: "openai", credential: "0" }), 1);
  assert.ok(samples.some((sample) => sample.name === "nodejs_eventloop_lag_seconds"));
  assert.ok(samples.some((sample) => sample.name === "nodejs_eventloop_lag_p99_seconds"));
  assert.ok(samples.some((sample) => sample.name === "process_resident_memory_bytes"));
  // In-process, the test's own work shares the loop; a sidecar process of its own is checked below.
  const utilization = total(samples, "outrigger_event_loop_utilization");
  assert.ok(utilization > 0 && utilization <= 1, `utilization ${utilization}`);
});

test("no key, prompt or client credential appears anywhere in /metrics", () => {
  for (const secret of [...Object.values(upstreamKeys), clientKey]) assert.ok(!text.includes(secret));
  assert.ok(!text.includes("PROMPT-MARKER-91c2"));
});
