// A pooled key's resend after a 401 is an HTTP span of its own, counted by http.request.resend_count as any resend is.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startResilienceHarness } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

let receiver: OtlpReceiver;
let restoreEnv: () => void;
let harness: Harness;

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  const directory = mkdtempSync(join(tmpdir(), "outrigger-pool-"));
  for (const name of ["a", "b"]) writeFileSync(join(directory, name), `sk-pool-key-${name}-0008\n`);
  harness = await startResilienceHarness({
    openai: { credentials: [{ file: join(directory, "a") }, { file: join(directory, "b") }] },
  });
});
after(async () => {
  await harness.close();
  await receiver.close();
  restoreEnv();
});

test("the refused key's request and the other key's resend: resend_count absent, then 1; one attempt", async () => {
  harness.simulator.script([{ path: "/v1/chat/completions", respond: { status: 401 } }]);
  const traceId = "d1".repeat(16);
  const openai = new OpenAI({
    baseURL: `${harness.sidecar.proxyUrl}/openai/v1`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  await openai.chat.completions.create(
    { model: "gpt-4.1-mini", messages: [{ role: "user", content: "Hi" }] },
    { headers: { traceparent: `00-${traceId}-4444444444444444-01` } },
  );
  await receiver.waitFor((spans) => spans.some((span) => span.traceId === traceId && span.kind === 2));
  const sends = receiver.spans
    .filter((span) => span.traceId === traceId && span.kind === 3 && span.name === "POST")
    .sort((first, second) => Number(first.start - second.start));
  assert.deepEqual(
    sends.map((span) => [
      span.attributes["http.response.status_code"],
      span.attributes["http.request.resend_count"],
    ]),
    [
      [401, undefined],
      [200, 1],
    ],
  );
  assert.ok(
    sends.every((span) => span.attributes["outrigger.attempt"] === 1),
    "one attempt, two sends",
  );
  assert.notEqual(sends[0]?.attributes["outrigger.key_id"], sends[1]?.attributes["outrigger.key_id"]);
});
