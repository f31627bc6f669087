// Spans exported over OTLP/HTTP (JSON and protobuf) for calls made with the official SDKs: tree, TTFB, usage, no secrets.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { anthropicExpected, fixtureLines, openaiExpected } from "../support/fixture-expectations.ts";
import { type Harness, harnessConfig, startHarness, upstreamKeys } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
const prompt = "Say hello PROMPT-MARKER-5f3a";
const firstByteDelay = 300;

/** A fresh W3C trace context, as an instrumented app would send it. */
function appTraceContext(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = crypto
    .getRandomValues(new Uint8Array(16))
    .reduce((text, byte) => text + byte.toString(16).padStart(2, "0"), "");
  const parentId = crypto
    .getRandomValues(new Uint8Array(8))
    .reduce((text, byte) => text + byte.toString(16).padStart(2, "0"), "");
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

function milliseconds(span: ReceivedSpan): number {
  return Number(span.end - span.start) / 1e6;
}

function only(
  spans: readonly ReceivedSpan[],
  predicate: (span: ReceivedSpan) => boolean,
  what: string,
): ReceivedSpan {
  const found = spans.filter(predicate);
  assert.equal(found.length, 1, `exactly one ${what}: ${spans.map((span) => span.name).join(", ")}`);
  return found[0] as ReceivedSpan;
}

/** The tree the design names: server → chat → HTTP attempt(s) → ttfb, all in the app's trace. */
function spanTree(spans: readonly ReceivedSpan[], traceId: string, parentId: string) {
  const inTrace = spans.filter((span) => span.traceId === traceId);
  const server = only(inTrace, (span) => span.kind === 2, "server span");
  assert.equal(server.parentSpanId, parentId, "the server span continues the app's traceparent");
  const chat = only(inTrace, (span) => span.name.startsWith("chat "), "chat span");
  assert.equal(chat.parentSpanId, server.spanId, "chat is a child of the server span");
  assert.equal(chat.kind, 3, "chat is a client span");
  const attempts = inTrace.filter((span) => span.parentSpanId === chat.spanId && span.kind === 3);
  const ttfbs = inTrace.filter((span) => span.name === "ttfb");
  return { inTrace, server, chat, attempts, ttfbs };
}

function assertNoSecrets(receiver: OtlpReceiver): void {
  for (const exported of receiver.exports) {
    const text = exported.body.toString("latin1");
    for (const secret of [...Object.values(upstreamKeys), clientKey]) {
      assert.ok(!text.includes(secret), "no API key in any exported span");
    }
    assert.ok(!text.includes("PROMPT-MARKER-5f3a"), "no prompt text by default");
  }
}

const withTracingEnv = (receiver: OtlpReceiver, protocol: string): (() => void) =>
  exportTracesTo(receiver, { protocol, serviceName: "outrigger-under-test" });

describe("OTLP/HTTP JSON, Anthropic SDK streaming", () => {
  let receiver: OtlpReceiver;
  let harness: Harness;
  let restoreEnv: () => void;
  before(async () => {
    receiver = await startOtlpReceiver();
    restoreEnv = withTracingEnv(receiver, "http/json");
    harness = await startHarness({ config: (url) => harnessConfig(url, {}) });
  });
  after(async () => {
    await harness.close();
    await receiver.close();
    restoreEnv();
  });

  test("a streamed call that sent a traceparent yields the span tree in the app's trace", async () => {
    const { traceId, parentId, traceparent } = appTraceContext();
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const anthropic = new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
    const message = await anthropic.messages
      .stream(
        { model: "claude-sonnet-4-5", max_tokens: 128, messages: [{ role: "user", content: prompt }] },
        {
          headers: {
            traceparent,
            tracestate: "app=1",
            "x-simulator-first-byte-delay": String(firstByteDelay),
          },
        },
      )
      .finalMessage();
    assert.equal(message.usage.output_tokens, expected.usage.output_tokens);

    await receiver.waitFor((spans) => spans.filter((span) => span.traceId === traceId).length >= 4);
    const { server, chat, attempts, ttfbs, inTrace } = spanTree(receiver.spans, traceId, parentId);
    assert.equal(receiver.exports[0]?.contentType, "application/json");
    assert.equal(
      server.resource["service.name"],
      "outrigger-under-test",
      "OTEL_SERVICE_NAME names the service",
    );
    assert.equal(server.attributes["http.response.status_code"], 200);

    assert.equal(chat.name, "chat claude-sonnet-4-5");
    assert.equal(chat.attributes["gen_ai.operation.name"], "chat");
    assert.equal(chat.attributes["gen_ai.provider.name"], "anthropic");
    assert.equal(chat.attributes["gen_ai.request.model"], "claude-sonnet-4-5");
    assert.equal(chat.attributes["gen_ai.response.model"], expected.model);
    assert.equal(chat.attributes["gen_ai.request.stream"], true);
    assert.equal(chat.attributes["server.address"], "127.0.0.1");
    assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], [expected.finish]);
    const fixtureInput =
      (expected.usage.input_tokens ?? 0) +
      (expected.usage.cache_read_input_tokens ?? 0) +
      (expected.usage.cache_creation_input_tokens ?? 0);
    assert.equal(chat.attributes["gen_ai.usage.input_tokens"], fixtureInput, "input tokens from the fixture");
    assert.equal(chat.attributes["gen_ai.usage.output_tokens"], expected.usage.output_tokens);
    assert.equal(typeof chat.attributes["gen_ai.response.id"], "string");
    const timeToFirstChunk = chat.attributes["gen_ai.response.time_to_first_chunk"] as number;
    assert.ok(timeToFirstChunk >= (firstByteDelay - 20) / 1000, `time to first chunk ${timeToFirstChunk}s`);
    assert.equal(chat.attributes["outrigger.retries"], 0);
    assert.match(String(chat.attributes["outrigger.key_id"]), /^[0-9a-f]{12}$/, "a key id hash, not the key");
    assert.ok(chat.events.some((event) => event.name === "first_token"));

    assert.equal(attempts.length, 1, "one attempt span");
    const attempt = attempts[0] as ReceivedSpan;
    assert.equal(attempt.name, "POST");
    assert.equal(attempt.attributes["http.response.status_code"], 200);
    assert.equal(
      attempt.attributes["http.request.resend_count"],
      undefined,
      "no resend count on a first try",
    );
    assert.match(String(attempt.attributes["url.full"]), /\/v1\/messages$/);
    const firstByte = attempt.events.find((event) => event.name === "first_byte");
    assert.ok(firstByte, "first_byte event on the attempt");
    assert.ok(
      attempt.events.some((event) => event.name === "first_token"),
      "first_token event on the attempt",
    );

    assert.equal(ttfbs.length, 1);
    const ttfb = ttfbs[0] as ReceivedSpan;
    assert.equal(ttfb.parentSpanId, attempt.spanId, "ttfb is a child of the attempt");
    const ttfbMs = milliseconds(ttfb);
    assert.ok(
      ttfbMs >= firstByteDelay - 20 && ttfbMs < firstByteDelay + 1500,
      `ttfb ${ttfbMs} ms ≈ ${firstByteDelay}`,
    );
    assert.equal(firstByte.time, ttfb.end, "first_byte is where ttfb ends");
    assert.ok(ttfb.start >= attempt.start && ttfb.end <= attempt.end, "ttfb lies within its attempt");
    assert.ok(attempt.start >= chat.start && attempt.end <= chat.end, "the attempt lies within chat");
    assert.ok(chat.start >= server.start && chat.end <= server.end, "chat lies within the server span");
    assert.equal(inTrace.length, 4);

    const upstream = harness.simulator.requests.at(-1);
    assert.equal(
      upstream?.headers.traceparent,
      undefined,
      "the app's traceparent does not go to the provider",
    );
    assert.equal(upstream?.headers.tracestate, undefined);
    assertNoSecrets(receiver);
  });

  test("a retried call (529, then the stream) has one attempt span per try", async () => {
    const { traceId, parentId, traceparent } = appTraceContext();
    harness.simulator.script([
      {
        respond: {
          status: 529,
          body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
        },
      },
    ]);
    const anthropic = new Anthropic({
      baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
      apiKey: clientKey,
      maxRetries: 0,
    });
    await anthropic.messages
      .stream(
        { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
        { headers: { traceparent } },
      )
      .finalMessage();
    await receiver.waitFor(
      (spans) => spans.some((span) => span.traceId === traceId && span.kind === 2),
      3000,
    );
    const { chat, attempts } = spanTree(receiver.spans, traceId, parentId);
    assert.equal(attempts.length, 2, "one attempt span per try");
    const [first, second] = [...attempts].sort((a, b) => (a.start < b.start ? -1 : 1));
    assert.equal(first?.attributes["http.response.status_code"], 529);
    assert.equal(first?.statusCode, 2, "the failed try is an error span");
    assert.equal(second?.attributes["http.request.resend_count"], 1);
    assert.equal(second?.attributes["http.response.status_code"], 200);
    assert.equal(chat.attributes["outrigger.retries"], 1);
    // The call succeeded in the end: the first try's error does not stick to the call.
    assert.notEqual(chat.statusCode, 2, "the chat span is not an error");
    assert.equal(chat.attributes["error.type"], undefined);
    const metrics = await (await fetch(`${harness.sidecar.adminUrl}/metrics`)).text();
    assert.doesNotMatch(
      metrics,
      /outrigger_requests_total\{[^}]*outcome="error"[^}]*\} [1-9]/,
      "counted as a success",
    );
  });
});

describe("OTLP/HTTP protobuf, OpenAI SDK streaming", () => {
  let receiver: OtlpReceiver;
  let harness: Harness;
  let restoreEnv: () => void;
  before(async () => {
    receiver = await startOtlpReceiver();
    restoreEnv = withTracingEnv(receiver, "http/protobuf");
    harness = await startHarness();
  });
  after(async () => {
    await harness.close();
    await receiver.close();
    restoreEnv();
  });

  test("the same tree arrives as protobuf, with the usage from the fixture", async () => {
    const { traceId, parentId, traceparent } = appTraceContext();
    const expected = openaiExpected(fixtureLines("openai/openai-text.chunks.txt"));
    const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: clientKey });
    const stream = await openai.chat.completions.create(
      {
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { traceparent, "x-simulator-first-byte-delay": String(firstByteDelay) } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, expected.text);

    await receiver.waitFor((spans) => spans.filter((span) => span.traceId === traceId).length >= 4);
    assert.equal(receiver.exports[0]?.contentType, "application/x-protobuf");
    const { chat, attempts, ttfbs } = spanTree(receiver.spans, traceId, parentId);
    assert.equal(chat.attributes["gen_ai.provider.name"], "openai");
    assert.equal(chat.attributes["gen_ai.usage.input_tokens"], expected.usage.prompt_tokens);
    assert.equal(chat.attributes["gen_ai.usage.output_tokens"], expected.usage.completion_tokens);
    assert.equal(attempts.length, 1);
    const ttfb = ttfbs[0];
    assert.ok(ttfb !== undefined && ttfb.parentSpanId === attempts[0]?.spanId);
    const ttfbMs = milliseconds(ttfb);
    assert.ok(
      ttfbMs >= firstByteDelay - 20 && ttfbMs < firstByteDelay + 1500,
      `ttfb ${ttfbMs} ms ≈ ${firstByteDelay}`,
    );
    assertNoSecrets(receiver);
  });

  test("a call without a traceparent starts a trace of its own", async () => {
    const before = new Set(receiver.spans.map((span) => span.traceId));
    const openai = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: clientKey });
    await openai.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    const spans = await receiver.waitFor((all) =>
      all.some((span) => !before.has(span.traceId) && span.kind === 2),
    );
    const server = spans.find((span) => !before.has(span.traceId) && span.kind === 2);
    assert.equal(server?.parentSpanId, "", "a root server span");
    const chat = spans.find((span) => span.traceId === server?.traceId && span.name.startsWith("chat "));
    assert.equal(chat?.attributes["gen_ai.request.stream"], false);
  });
});
