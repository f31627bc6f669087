// A call the open circuit refuses says `open` on its chat span; a retry the breaker then refuses is not counted as made.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { metricValue, quickRetry, startResilienceHarness } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

// One failure in the window opens the circuit: the first call's retry meets an open breaker.
const breaker = { minRequests: 1, window: "30s", failureRatio: 0.5, halfOpenAfter: "30s" };
let receiver: OtlpReceiver;
let restoreEnv: () => void;
let harness: Harness;

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  harness = await startResilienceHarness({ openai: { resilience: { retry: quickRetry, breaker } } });
});
after(async () => {
  await harness.close();
  await receiver.close();
  restoreEnv();
});

async function call(traceId: string): Promise<{ status?: number }> {
  const openai = new OpenAI({
    baseURL: `${harness.sidecar.proxyUrl}/openai/v1`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  return openai.chat.completions
    .create(
      { model: "gpt-4.1-mini", messages: [{ role: "user", content: "Hi" }] },
      { headers: { traceparent: `00-${traceId}-3333333333333333-01` } },
    )
    .then(
      () => ({}),
      (error: unknown) => error as { status?: number },
    );
}

function chatSpan(traceId: string): ReceivedSpan {
  const chat = receiver.spans.find((span) => span.traceId === traceId && span.name.startsWith("chat "));
  assert.ok(chat, `a chat span in ${traceId}`);
  return chat;
}

test("the failure that opens the circuit, then a call the open circuit refuses", async () => {
  harness.simulator.script([{ path: "/v1/chat/completions", respond: { status: 500 } }]);
  const tripping = "b1".repeat(16);
  const refused = "b2".repeat(16);
  const first = await call(tripping);
  assert.equal(first.status, 503, "the retry met the open circuit: the OpenAI dialect's 503");
  const second = await call(refused);
  assert.equal(second.status, 503);
  await receiver.waitFor((spans) =>
    [tripping, refused].every((traceId) => spans.some((span) => span.traceId === traceId && span.kind === 2)),
  );

  const trippingChat = chatSpan(tripping);
  assert.equal(trippingChat.attributes["outrigger.retries"], 0, "no second attempt was sent");
  assert.equal(await metricValue(harness, "outrigger_retries_total", { provider: "openai" }), 0);
  assert.equal(await metricValue(harness, "outrigger_upstream_attempts_total", { provider: "openai" }), 1);
  assert.equal(
    trippingChat.attributes["outrigger.breaker.state"],
    "open",
    "the call ended at the open circuit",
  );

  const refusedChat = chatSpan(refused);
  assert.equal(refusedChat.attributes["outrigger.breaker.state"], "open");
  assert.equal(refusedChat.attributes["error.type"], "circuit_open");
  const attempts = receiver.spans.filter(
    (span) => span.traceId === refused && span.parentSpanId === refusedChat.spanId,
  );
  assert.equal(attempts.length, 0, "nothing was sent upstream");
});
