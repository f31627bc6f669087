// gen_ai.operation.name from the client's path: chat and embeddings named as the conventions say, model lists no GenAI operation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { anthropicAdapter } from "../../src/providers/anthropic/anthropic-adapter.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";
import { parseSamples, type Sample, total } from "./prometheus-text.ts";

test("each dialect names the operation of its own paths, whatever the prefix", () => {
  const openai: [string, string | undefined][] = [
    ["/openai/v1/chat/completions", "chat"],
    ["/deepseek/chat/completions", "chat"],
    ["/v1/chat/completions/", "chat"],
    ["/openai/v1/responses", "chat"],
    ["/openai/v1/embeddings", "embeddings"],
    ["/openai/v1/completions", "text_completion"],
    ["/openai/v1/models", undefined],
    ["/openai/v1/files", undefined],
  ];
  for (const [path, operation] of openai) assert.equal(openaiAdapter.genAiOperation(path), operation, path);
  const anthropic: [string, string | undefined][] = [
    ["/anthropic/v1/messages", "chat"],
    ["/v1/messages", "chat"],
    ["/anthropic/v1/complete", "text_completion"],
    ["/anthropic/v1/messages/count_tokens", undefined],
    ["/anthropic/v1/messages/batches", undefined],
    ["/anthropic/v1/models", undefined],
  ];
  for (const [path, operation] of anthropic)
    assert.equal(anthropicAdapter.genAiOperation(path), operation, path);
});

const traceIds = { embeddings: "e1".repeat(16), models: "e2".repeat(16) };
let receiver: OtlpReceiver;
let restoreEnv: () => void;
let harness: Harness;
let samples: Sample[];

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  harness = await startHarness({ config: (url) => harnessConfig(url, {}) });
  const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
  harness.simulator.script([
    {
      path: "/v1/embeddings",
      respond: {
        status: 200,
        body: {
          object: "list",
          data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
          model: "text-embedding-3-small",
          usage: { prompt_tokens: 5, total_tokens: 5 },
        },
      },
    },
    { path: "/v1/models", respond: { status: 200, body: { object: "list", data: [] } } },
  ]);
  const embedded = await openai.embeddings.create(
    { model: "text-embedding-3-small", input: "hello", encoding_format: "float" },
    { headers: { traceparent: `00-${traceIds.embeddings}-1111111111111111-01` } },
  );
  assert.equal(embedded.data.length, 1);
  const models = await openai.models.list({
    headers: { traceparent: `00-${traceIds.models}-2222222222222222-01` },
  });
  assert.deepEqual(models.data, []);
  await harness.waitFinished(2);
  samples = parseSamples(await (await fetch(`${harness.sidecar.adminUrl}/metrics`)).text());
});
after(async () => {
  await harness.close();
  await receiver.close();
  restoreEnv();
});

test("metrics: an embeddings call is an `embeddings` operation; a model list counts as a request only", () => {
  assert.equal(
    total(samples, "gen_ai_client_operation_duration_seconds_count", {
      gen_ai_operation_name: "embeddings",
      gen_ai_request_model: "text-embedding-3-small",
    }),
    1,
  );
  assert.equal(
    total(samples, "gen_ai_client_operation_duration_seconds_count"),
    1,
    "no other GenAI operation",
  );
  assert.equal(
    total(samples, "gen_ai_client_token_usage_sum", {
      gen_ai_operation_name: "embeddings",
      gen_ai_token_type: "input",
    }),
    5,
    "the embeddings answer's input tokens",
  );
  assert.equal(
    total(samples, "gen_ai_client_operation_duration_seconds_count", { gen_ai_operation_name: "chat" }),
    0,
  );
  assert.equal(total(samples, "outrigger_requests_total", { provider: "openai", outcome: "success" }), 2);
  assert.equal(total(samples, "outrigger_upstream_ttfb_seconds_count", { provider: "openai" }), 2);
});

test("spans: `embeddings {model}` for the embeddings call; the model list's attempt hangs off its server span", async () => {
  await receiver.waitFor((spans) =>
    Object.values(traceIds).every((traceId) =>
      spans.some((span) => span.traceId === traceId && span.kind === 2),
    ),
  );
  const embeddings = receiver.spans.filter((span) => span.traceId === traceIds.embeddings);
  const operation = embeddings.find((span) => span.attributes["gen_ai.operation.name"] !== undefined);
  assert.equal(operation?.name, "embeddings text-embedding-3-small");
  assert.equal(operation?.attributes["gen_ai.operation.name"], "embeddings");
  assert.equal(operation?.attributes["gen_ai.usage.input_tokens"], 5, "the embeddings answer's usage");
  assert.equal(operation?.attributes["gen_ai.response.model"], "text-embedding-3-small");

  const listing = receiver.spans.filter((span) => span.traceId === traceIds.models);
  assert.ok(
    listing.every((span) => span.attributes["gen_ai.operation.name"] === undefined),
    `no GenAI span: ${listing.map((span) => span.name).join(", ")}`,
  );
  const server = listing.find((span) => span.kind === 2);
  const attempt = listing.find((span) => span.kind === 3 && span.name === "GET");
  assert.ok(server !== undefined && attempt !== undefined);
  assert.equal(attempt.parentSpanId, server.spanId);
});
