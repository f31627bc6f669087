// Shutdown keeps telemetry: a request cut when the grace expires is still recorded, and its spans exported.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/config/load-config.ts";
import { startSidecar } from "../../src/sidecar.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { harnessConfig } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

let receiver: OtlpReceiver;
let restoreEnv: () => void;

before(async () => {
  receiver = await startOtlpReceiver();
  // Nothing is exported on the processor's own clock: only the shutdown's flush sends these spans.
  restoreEnv = exportTracesTo(receiver, { scheduleDelay: 60_000 });
});
after(async () => {
  await receiver.close();
  restoreEnv();
});

test("a request waiting out a retry when the grace expires: its server, chat and attempt spans are exported", async () => {
  // Nothing listens on port 9: the first attempt fails at once and the retry waits 20 s, past the grace.
  const raw = harnessConfig("http://127.0.0.1:9") as { providers: Record<string, Record<string, unknown>> };
  raw.providers.anthropic!.resilience = {
    retry: { maxAttempts: 3, baseDelay: "20s", maxDelay: "20s", maxWait: "30s", budgetRatio: 1 },
  };
  let recorded = 0;
  const sidecar = await startSidecar(
    { config: parseConfig({ ...raw, telemetry: { tracing: { enabled: true } } }), file: "shutdown.yaml" },
    {
      warm: false,
      env: process.env,
      logger: createLogger({ level: "silent" }),
      onExchangeFinished: () => {
        recorded += 1;
      },
    },
  );
  const traceId = "5b8efff798038103d269b633813fc60c";
  const answer = fetch(`${sidecar.proxyUrl}/anthropic/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      traceparent: `00-${traceId}-eee19b7ec3c1b174-01`,
    },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      messages: [{ role: "user", content: "Hi" }],
    }),
  }).then(
    (response) => response.status,
    () => "cut",
  );
  // Long enough for the first attempt to fail and the retry's wait to begin.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await sidecar.stop(200), false, "the grace expired");
  assert.equal(recorded, 1, "recorded before stop() returned");
  assert.equal(await answer, "cut");
  const names = receiver.spans.filter((span) => span.traceId === traceId).map((span) => span.name);
  assert.ok(names.includes("POST /anthropic/v1/messages"), `server span: ${names.join(", ")}`);
  assert.ok(names.includes("chat claude-sonnet-4-5"), `chat span: ${names.join(", ")}`);
  assert.ok(names.includes("POST"), `attempt span: ${names.join(", ")}`);
});
