// Resilience in spans: breaker state on the chat span, and a fallback provider's attempts under the same chat span.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { startResilienceHarness } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

const halfOpenAfter = 3_000;
const breaker = { minRequests: 2, window: "10s", failureRatio: 0.5, halfOpenAfter: `${halfOpenAfter}ms` };
const resilience = { retry: { maxAttempts: 1 }, breaker };
const message = {
  model: "claude-sonnet-4-5",
  max_tokens: 32,
  messages: [{ role: "user" as const, content: "Hi" }],
};

let receiver: OtlpReceiver;
let harness: Harness;
/** anthropic-b answers from a simulator of its own, so the faults scripted for anthropic never reach it. */
let second: Simulator;
let restoreEnv: () => void;

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  second = await startSimulator();
  const directory = mkdtempSync(join(tmpdir(), "outrigger-fallback-"));
  writeFileSync(join(directory, "key"), "sk-ant-fallback-key-0004\n");
  harness = await startResilienceHarness(
    { anthropic: { resilience, fallback: [{ provider: "anthropic-b" }] } },
    (config) => {
      (config.providers as Record<string, unknown>)["anthropic-b"] = {
        protocol: "anthropic",
        baseUrl: second.url,
        hosts: [],
        credentials: [{ file: join(directory, "key") }],
      };
    },
  );
});
after(async () => {
  await harness.close();
  await second.close();
  await receiver.close();
  restoreEnv();
});

function traceOf(spans: readonly ReceivedSpan[], traceId: string) {
  const inTrace = spans.filter((span) => span.traceId === traceId);
  const chat = inTrace.find((span) => span.name.startsWith("chat "));
  assert.ok(chat, "a chat span");
  const attempts = inTrace.filter((span) => span.parentSpanId === chat.spanId && span.kind === 3);
  return { chat, attempts };
}

async function call(traceId: string): Promise<unknown> {
  const anthropic = new Anthropic({
    baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  return anthropic.messages
    .create(message, { headers: { traceparent: `00-${traceId}-1111111111111111-01` } })
    .catch((error: unknown) => error);
}

let openedAt = 0;

test("attempts spent on a failing provider and then its open circuit: the fallback's attempts sit under the same chat span", async () => {
  harness.simulator.script([{ respond: { status: 500 } }, { respond: { status: 500 } }]);
  const failing = ["a1".repeat(16), "a2".repeat(16)];
  for (const traceId of failing) {
    const answer = (await call(traceId)) as { type?: string };
    assert.equal(answer.type, "message", "the attempt on anthropic failed; the fallback served");
  }
  openedAt = Date.now();
  const fallbackTrace = "a3".repeat(16);
  const answer = (await call(fallbackTrace)) as { type?: string };
  assert.equal(answer.type, "message", "served by the fallback");

  await receiver.waitFor((spans) =>
    [...failing, fallbackTrace].every((traceId) =>
      spans.some((span) => span.traceId === traceId && span.kind === 2),
    ),
  );
  for (const traceId of failing) {
    const { chat, attempts } = traceOf(receiver.spans, traceId);
    assert.equal(
      chat.attributes["outrigger.breaker.state"],
      "closed",
      "the state that let the attempt through",
    );
    assert.equal(chat.attributes["outrigger.fallback.provider"], "anthropic-b");
    assert.equal(attempts.length, 2, "one failed attempt on anthropic, one on the fallback");
    const byProvider = Object.fromEntries(
      attempts.map((span) => [
        span.attributes["outrigger.provider"],
        span.attributes["http.response.status_code"],
      ]),
    );
    assert.deepEqual(byProvider, { anthropic: 500, "anthropic-b": 200 });
  }
  const { chat, attempts } = traceOf(receiver.spans, fallbackTrace);
  assert.equal(chat.attributes["outrigger.fallback.provider"], "anthropic-b");
  assert.equal(chat.attributes["outrigger.provider"], "anthropic", "the routed provider");
  assert.equal(attempts.length, 1, "the open circuit sent nothing to anthropic; one attempt to the fallback");
  assert.equal(attempts[0]?.attributes["outrigger.provider"], "anthropic-b");
  assert.equal(attempts[0]?.attributes["http.response.status_code"], 200);
  assert.ok(receiver.spans.some((span) => span.name === "ttfb" && span.parentSpanId === attempts[0]?.spanId));
});

test("the probe a half-open circuit lets through says so on its chat span", async () => {
  assert.ok(openedAt > 0, "runs after the circuit was opened above");
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, openedAt + halfOpenAfter + 200 - Date.now())),
  );
  const probeTrace = "a4".repeat(16);
  const answer = (await call(probeTrace)) as { type?: string };
  assert.equal(answer.type, "message", "the simulator answers again: the probe succeeds");
  await receiver.waitFor((spans) => spans.some((span) => span.traceId === probeTrace && span.kind === 2));
  const { chat, attempts } = traceOf(receiver.spans, probeTrace);
  assert.equal(chat.attributes["outrigger.breaker.state"], "half-open");
  assert.equal(attempts.length, 1);
  assert.equal(
    attempts[0]?.attributes["outrigger.provider"],
    "anthropic",
    "the probe went to the provider itself",
  );
});
