// The access log: one JSON line per request with provider, model, status, attempts, TTFB, tokens and trace id — no secrets, no prompt.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseConfig } from "../../src/config/load-config.ts";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import { type Sidecar, startSidecar } from "../../src/sidecar.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { createAccessLog } from "../../src/telemetry/access-log.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { anthropicExpected, fixtureLines } from "../support/fixture-expectations.ts";
import { harnessConfig, upstreamKeys } from "../support/sidecar-harness.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
const firstByteDelay = 150;

interface Logged {
  readonly sidecar: Sidecar;
  readonly output: () => string;
  readonly lines: () => Record<string, unknown>[];
}

async function startLogged(simulator: Simulator, extra: Record<string, unknown> = {}): Promise<Logged> {
  const destination = new PassThrough();
  let output = "";
  destination.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const sidecar = await startSidecar(
    { config: parseConfig(harnessConfig(simulator.url, extra)), file: "test.yaml" },
    { warm: false, logger: createLogger({ level: "info", destination }), env: {} },
  );
  return {
    sidecar,
    output: () => output,
    lines: () =>
      output
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function waitForLines(logged: Logged, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const requests = logged.lines().filter((line) => line.msg === "request");
    if (requests.length >= count) return requests;
    if (Date.now() > deadline) throw new Error(`no access log line: ${logged.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("access log on (the default)", () => {
  let simulator: Simulator;
  let logged: Logged;
  before(async () => {
    simulator = await startSimulator({});
    logged = await startLogged(simulator);
  });
  after(async () => {
    await logged.sidecar.stop(1000);
    await simulator.close();
  });

  test("a streamed call writes one line with what happened and the app's trace id", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const anthropic = new Anthropic({ baseURL: `${logged.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
    await anthropic.messages
      .stream(
        {
          model: "claude-sonnet-4-5",
          max_tokens: 64,
          messages: [{ role: "user", content: "PROMPT-MARKER-0d41" }],
        },
        { headers: { traceparent, "x-simulator-first-byte-delay": String(firstByteDelay) } },
      )
      .finalMessage();
    const [line] = await waitForLines(logged, 1);
    assert.ok(line !== undefined);
    assert.equal(line.level, 30, "info");
    assert.equal(line.provider, "anthropic");
    assert.equal(line.model, "claude-sonnet-4-5");
    assert.equal(line.responseModel, expected.model);
    assert.equal(line.status, 200);
    assert.equal(line.outcome, "success");
    assert.equal(line.attempts, 1);
    assert.equal(line.stream, true);
    assert.equal(line.outputTokens, expected.usage.output_tokens);
    assert.equal(line.finishReason, expected.finish);
    assert.equal(line.traceId, traceId, "the app's trace id, for correlation");
    const ttfb = line.ttfbMs as number;
    assert.ok(ttfb >= firstByteDelay - 20 && ttfb < firstByteDelay + 1500, `ttfb ${ttfb}`);
    assert.ok((line.durationMs as number) >= ttfb);
    assert.match(String(line.keyId), /^[0-9a-f]{12}$/);
    const output = logged.output();
    for (const secret of [...Object.values(upstreamKeys), clientKey]) assert.ok(!output.includes(secret));
    assert.ok(!output.includes("PROMPT-MARKER-0d41"), "no prompt text in the log");
  });

  test("a request rejected before any upstream call still gets a line, with zero attempts", async () => {
    const before = (await waitForLines(logged, 0)).length;
    const response = await fetch(`${logged.sidecar.proxyUrl}/no-such-provider/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": clientKey },
      body: "{}",
    });
    await response.arrayBuffer();
    const lines = await waitForLines(logged, before + 1);
    const line = lines.at(-1);
    assert.equal(line?.status, response.status);
    assert.ok(response.status >= 400);
    assert.equal(line?.attempts, 0);
    assert.equal(line?.outcome, "error");
    assert.ok(!logged.output().includes(clientKey));
  });
});

test("telemetry.accessLog.enabled: false writes no request lines", async () => {
  const simulator = await startSimulator({});
  const logged = await startLogged(simulator, { telemetry: { accessLog: { enabled: false } } });
  try {
    const anthropic = new Anthropic({ baseURL: `${logged.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
    await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "Hi" }],
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(logged.lines().filter((line) => line.msg === "request").length, 0);
    assert.equal(simulator.requests.length, 1, "the call itself went through");
  } finally {
    await logged.sidecar.stop(1000);
    await simulator.close();
  }
});

test("the hand-built line is the line pino itself would write for the same fields", () => {
  const destination = new PassThrough();
  let output = "";
  destination.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const logger = createLogger({ level: "info", destination });
  const exchange = {
    id: "0b5f6c3e-0000-4000-8000-000000000001",
    request: {
      method: "POST",
      // Client-chosen text must be escaped, never break the line.
      path: '/deepseek/chat/"quoted"\\path\n\u2028ünï',
      search: "",
      headers: { authorization: "Bearer must-not-appear" },
      body: Buffer.from('{"messages":[{"content":"PROMPT-MARKER-77"}]}'),
      door: "proxy",
    },
    signal: new AbortController().signal,
    timings: { start: 1000, requestSent: 1001.25, firstByte: 1011.31, end: 1020 },
    attempt: 2,
    observed: {
      requestModel: 'model "x"',
      stream: false,
      usage: { inputTokens: 12, outputTokens: 40 },
      finishReason: "stop",
      answeredBy: "deepseek",
    },
  } as unknown as Exchange;
  createAccessLog({ logger })(exchange, 200, true);
  logger.info(
    {
      exchange: exchange.id,
      method: "POST",
      path: exchange.request.path,
      door: "proxy",
      provider: "deepseek",
      model: 'model "x"',
      stream: false,
      status: 200,
      outcome: "success",
      attempts: 2,
      ttfbMs: 10.1,
      durationMs: 20,
      inputTokens: 12,
      outputTokens: 40,
      finishReason: "stop",
    },
    "request",
  );
  const [ours, pinos] = output.split("\n").filter((line) => line !== "");
  assert.ok(ours !== undefined && pinos !== undefined, output);
  const withoutTime = (line: string): string => line.replace(/,"time":"[^"]+"/, "");
  assert.equal(withoutTime(ours), withoutTime(pinos), "byte for byte, apart from the timestamp");
  assert.ok(!output.includes("must-not-appear") && !output.includes("PROMPT-MARKER-77"));
});
