// Tracing switches: content capture, upstream propagation, off by default, and spans flushed when the sidecar stops.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseConfig } from "../../src/config/load-config.ts";
import { estimateTokens } from "../../src/limits/estimate-tokens.ts";
import { type Sidecar, startSidecar } from "../../src/sidecar.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { anthropicExpected, fixtureLines } from "../support/fixture-expectations.ts";
import { harnessConfig } from "../support/sidecar-harness.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
const appTraceId = "0af7651916cd43dd8448eb211c80319c";
const appParentId = "b7ad6b7169203331";
const traceparent = `00-${appTraceId}-${appParentId}-01`;
const marker = "PROMPT-MARKER-b7e0";

let simulator: Simulator;
let receiver: OtlpReceiver;
before(async () => {
  simulator = await startSimulator({});
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
  await simulator.close();
});

/** A sidecar whose env (not process.env) turns tracing on: the exporter's default 5 s batch delay stays. */
async function startTraced(extra: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Sidecar> {
  return startSidecar(
    { config: parseConfig(harnessConfig(simulator.url, extra)), file: "test.yaml" },
    { warm: false, logger: createLogger({ level: "silent" }), env },
  );
}

/** Other tracing systems' context headers an instrumented app may send. */
const otherTraceHeaders = {
  b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
  "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
  "uber-trace-id": "80f198ee56343ba8:e457b5a2e4d86bd1:0:1",
  "x-datadog-trace-id": "1234567890",
  "sentry-trace": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
  "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793",
};

async function call(sidecar: Sidecar): Promise<void> {
  const anthropic = new Anthropic({ baseURL: `${sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
  await anthropic.messages
    .stream(
      { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: `Say ${marker}` }] },
      { headers: { traceparent, tracestate: "vendor=opaque", baggage: "tenant=acme", ...otherTraceHeaders } },
    )
    .finalMessage();
}

const jsonExport = (url: string): NodeJS.ProcessEnv => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
});

test("stop() flushes pending spans: nothing is lost to the batch delay", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced({}, jsonExport(receiver.url));
  await call(sidecar);
  assert.equal(receiver.spans.length, 0, "the batch processor is still holding the spans");
  await sidecar.stop(1000);
  assert.ok(receiver.spans.filter((span) => span.traceId === appTraceId).length >= 4, "exported during stop");
  const upstream = simulator.requests.at(-1);
  assert.equal(upstream?.headers.traceparent, undefined, "no trace header to the provider by default");
  assert.equal(upstream?.headers.tracestate, undefined);
  assert.equal(upstream?.headers.baggage, undefined, "nor the app's baggage");
  for (const name of Object.keys(otherTraceHeaders))
    assert.equal(upstream?.headers[name], undefined, `nor ${name}`);
});

test("telemetry.captureContent records the prompt and the streamed completion on the chat span", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced({ telemetry: { captureContent: true } }, jsonExport(receiver.url));
  await call(sidecar);
  await sidecar.stop(1000);
  const chat = receiver.spans.find((span) => span.name.startsWith("chat "));
  const messages = JSON.parse(String(chat?.attributes["gen_ai.input.messages"])) as { content: string }[];
  assert.equal(messages[0]?.content, `Say ${marker}`);
  const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
  const output = JSON.parse(String(chat?.attributes["gen_ai.output.messages"])) as {
    role: string;
    parts: { type: string; content: string }[];
    finish_reason: string;
  }[];
  assert.equal(output[0]?.role, "assistant");
  assert.equal(output[0]?.parts.map((part) => part.content).join(""), expected.text);
  assert.equal(output[0]?.finish_reason, expected.finish);
});

test("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true does the same; without either, no prompt", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced(
    {},
    { ...jsonExport(receiver.url), OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" },
  );
  await call(sidecar);
  await sidecar.stop(1000);
  const chat = receiver.spans.find((span) => span.name.startsWith("chat "));
  assert.ok(String(chat?.attributes["gen_ai.input.messages"]).includes(marker));

  receiver.spans.length = 0;
  receiver.exports.length = 0;
  const plain = await startTraced({}, jsonExport(receiver.url));
  await call(plain);
  await plain.stop(1000);
  assert.ok(receiver.exports.length > 0);
  for (const exported of receiver.exports) assert.ok(!exported.body.toString().includes(marker));
  const chatWithout = receiver.spans.find((span) => span.name.startsWith("chat "));
  assert.ok(chatWithout !== undefined);
  assert.equal(chatWithout.attributes["gen_ai.input.messages"], undefined);
  assert.equal(chatWithout.attributes["gen_ai.output.messages"], undefined, "no completion text either");
});

test("propagateUpstream with tracing sends the attempt span's own traceparent in the app's trace", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced(
    { telemetry: { tracing: { propagateUpstream: true } } },
    jsonExport(receiver.url),
  );
  await call(sidecar);
  await sidecar.stop(1000);
  const upstream = simulator.requests.at(-1);
  const sent = String(upstream?.headers.traceparent);
  const [, sentTrace, sentParent] = sent.split("-");
  assert.equal(sentTrace, appTraceId);
  const attempt = receiver.spans.find((span) => span.name === "POST" && span.kind === 3);
  assert.equal(sentParent, attempt?.spanId, "the provider's parent is the attempt span");
  assert.equal(upstream?.headers.tracestate, "vendor=opaque");
});

test("propagateUpstream without tracing passes the app's headers through unchanged", async () => {
  const sidecar = await startTraced({ telemetry: { tracing: { propagateUpstream: true } } }, {});
  try {
    await call(sidecar);
  } finally {
    await sidecar.stop(1000);
  }
  const upstream = simulator.requests.at(-1);
  assert.equal(upstream?.headers.traceparent, traceparent);
  assert.equal(upstream?.headers.baggage, "tenant=acme");
  for (const [name, value] of Object.entries(otherTraceHeaders)) assert.equal(upstream?.headers[name], value);
});

test("tracing.enabled: false wins over an endpoint variable", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced({ telemetry: { tracing: { enabled: false } } }, jsonExport(receiver.url));
  await call(sidecar);
  await sidecar.stop(1000);
  assert.equal(receiver.spans.length, 0);
  assert.equal(simulator.requests.at(-1)?.headers.traceparent, undefined);
});

test("OTEL_TRACES_SAMPLER: parentbased_always_off follows the app's sampled traceparent and records no trace of its own", async () => {
  receiver.spans.length = 0;
  const sidecar = await startTraced(
    {},
    { ...jsonExport(receiver.url), OTEL_TRACES_SAMPLER: "parentbased_always_off" },
  );
  await call(sidecar);
  // The same call without a traceparent: a new trace, which this sampler leaves out.
  await new Anthropic({ baseURL: `${sidecar.proxyUrl}/anthropic`, apiKey: clientKey }).messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    messages: [{ role: "user", content: "Hi" }],
  });
  await sidecar.stop(1000);
  const names = receiver.spans.map((span) => span.name).sort();
  assert.deepEqual(names, ["POST", "POST /anthropic/v1/messages", "chat claude-sonnet-4-5", "ttfb"]);
  assert.ok(
    receiver.spans.every((span) => span.traceId === appTraceId),
    "only the app's sampled trace",
  );
});

test("OTEL_TRACES_SAMPLER: always_off exports nothing and the call is served; span limits come from OTEL_SPAN_*", async () => {
  receiver.spans.length = 0;
  const off = await startTraced({}, { ...jsonExport(receiver.url), OTEL_TRACES_SAMPLER: "always_off" });
  await call(off);
  await off.stop(1000);
  assert.equal(receiver.spans.length, 0);

  const limited = await startTraced(
    {},
    {
      ...jsonExport(receiver.url),
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "8",
      OTEL_SPAN_EVENT_COUNT_LIMIT: "0",
    },
  );
  await call(limited);
  await limited.stop(1000);
  const server = receiver.spans.find((span) => span.kind === 2);
  assert.equal(server?.attributes["url.path"], "/anthrop", "string values cut to the limit");
  assert.ok(
    receiver.spans.every((span) => span.events.length === 0),
    "no events past a limit of 0",
  );
});

test("a collector that refuses the spans is reported in the log, throttled, not dropped in silence", async () => {
  const refusing = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(400, { "content-type": "text/plain" }).end("spans refused"));
  });
  await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  let output = "";
  const destination = new PassThrough();
  destination.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // The batch processor reads its delay from the process environment, as the SDK does.
  process.env.OTEL_BSP_SCHEDULE_DELAY = "20";
  const sidecar = await startSidecar(
    { config: parseConfig(harnessConfig(simulator.url)), file: "test.yaml" },
    { warm: false, logger: createLogger({ level: "info", destination }), env: jsonExport(url) },
  );
  try {
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    const reports = () =>
      output
        .split("\n")
        .filter((line) => line.includes("OpenTelemetry:"))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
    await call(sidecar);
    for (let waited = 0; reports().length === 0 && waited < 5_000; waited += 25) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // A second failing batch inside the quiet interval is counted, not logged.
    await call(sidecar);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = reports();
    assert.equal(lines.length, 1, output);
    assert.equal(lines[0]?.level, 40, "a warning");
    assert.ok(!output.includes("spans refused"), "the collector's answer is not copied into the log");
  } finally {
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    await sidecar.stop(1000);
    refusing.close();
  }
});

test("a call that waited for pacing carries outrigger.pacing.wait_ms on its chat span", async () => {
  receiver.spans.length = 0;
  // 60 000 tokens a minute refill 1 000 a second. Two concurrent calls costing just over half the bucket
  // each: the second waits for the ~300 tokens missing, about 300 ms.
  const capacity = 60_000;
  const bodyFor = (maxTokens: number) =>
    JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: maxTokens,
      messages: [{ role: "user", content: "Hi" }],
    });
  const overhead = estimateTokens(Buffer.from(bodyFor(10_000))) - 10_000;
  const body = bodyFor(Math.ceil(capacity * 0.5025) - overhead);
  const sidecar = await startTraced(
    {
      providers: {
        ...(harnessConfig(simulator.url).providers as Record<string, Record<string, unknown>>),
        anthropic: {
          ...(harnessConfig(simulator.url).providers as Record<string, Record<string, unknown>>).anthropic,
          resilience: { pacing: { tokensPerMinute: capacity } },
        },
      },
    },
    jsonExport(receiver.url),
  );
  try {
    const send = () =>
      fetch(`${sidecar.proxyUrl}/anthropic/v1/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "anthropic-version": "2023-06-01",
          "x-api-key": clientKey,
        },
        body,
      }).then((response) => response.arrayBuffer());
    await Promise.all([send(), send()]);
  } finally {
    await sidecar.stop(1000);
  }
  const waits = receiver.spans
    .filter((span) => span.name.startsWith("chat "))
    .map((span) => span.attributes["outrigger.pacing.wait_ms"]);
  assert.equal(waits.length, 2);
  assert.equal(waits.filter((wait) => wait === undefined).length, 1, "the first call did not wait");
  const waited = waits.find((wait) => wait !== undefined) as number;
  assert.ok(waited >= 150 && waited < 3000, `waited ${waited} ms`);
});
