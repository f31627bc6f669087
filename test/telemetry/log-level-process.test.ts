// The log level in a real `outrigger serve` process: telemetry.accessLog.level and OUTRIGGER_LOG_LEVEL (which wins) decide whether access lines reach stdout.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { startQuietChildSidecar } from "../support/child-sidecar.ts";
import { harnessConfig, upstreamKeys } from "../support/sidecar-harness.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({});
});
after(async () => {
  await simulator.close();
});

interface Run {
  /** Every JSON line the process printed on stdout and stderr, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly output: string;
}

/**
 * One served request in a fresh process, which is then stopped with SIGTERM: its exit flushes the
 * 25 ms line batch, so whatever the level let through is on stdout by the time this returns.
 */
async function serveOneRequest(level: string, envLevel: string | undefined): Promise<Run> {
  const config = harnessConfig(simulator.url, { telemetry: { accessLog: { level } } });
  // Set or removed explicitly: a value inherited from the test runner's environment would decide instead.
  const child = await startQuietChildSidecar(config, { OUTRIGGER_LOG_LEVEL: envLevel });
  try {
    const response = await fetch(`${child.proxyUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "placeholder" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 32,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    await response.arrayBuffer();
    assert.equal(response.status, 200, "the request was served");
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await child.exited, 0, child.output());
  const output = child.output();
  for (const secret of Object.values(upstreamKeys)) assert.ok(!output.includes(secret), "no key in the log");
  const lines = output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, output };
}

function accessLines(run: Run): Record<string, unknown>[] {
  return run.lines.filter((line) => line.msg === "request");
}

/** The one access line for the request made, with what it served. */
function assertOneAccessLine(run: Run): void {
  const access = accessLines(run);
  assert.equal(access.length, 1, `one access line:\n${run.output}`);
  assert.equal(access[0]?.path, "/anthropic/v1/messages");
  assert.equal(access[0]?.status, 200);
  assert.equal(access[0]?.level, 30, "written at info");
}

test("accessLog.level warn: no access line, nor any other info line", async () => {
  const run = await serveOneRequest("warn", undefined);
  assert.deepEqual(accessLines(run), [], run.output);
  assert.deepEqual(
    run.lines.filter((line) => typeof line.level === "number" && line.level < 40),
    [],
    "nothing below warn: not even the 'outrigger serving' line",
  );
});

test("accessLog.level warn, OUTRIGGER_LOG_LEVEL=info: the variable wins and the access line is written", async () => {
  const run = await serveOneRequest("warn", "info");
  assertOneAccessLine(run);
});

test("accessLog.level info, OUTRIGGER_LOG_LEVEL=warn: the variable wins the other way too", async () => {
  const run = await serveOneRequest("info", "warn");
  assert.deepEqual(accessLines(run), [], run.output);
});

test("accessLog.level debug: the access line is still written", async () => {
  const run = await serveOneRequest("debug", undefined);
  assertOneAccessLine(run);
});
