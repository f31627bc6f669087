// Tracing in a real process: SIGTERM flushes spans before exit; with tracing off not one OpenTelemetry SDK module is loaded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { node24, repositoryRoot, startChildSidecar, writeConfig } from "../support/child-sidecar.ts";
import { harnessConfig, upstreamKeys } from "../support/sidecar-harness.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
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

test("outrigger serve exports its spans on SIGTERM, before the batch delay would", async () => {
  const traceId = "5b8efff798038103d269b633813fc60c";
  const child = await startChildSidecar(writeConfig(harnessConfig(simulator.url)), {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "60000",
    OTEL_SERVICE_NAME: "outrigger-child",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
  });
  try {
    const anthropic = new Anthropic({ baseURL: `${child.proxyUrl}/anthropic`, apiKey: clientKey });
    await anthropic.messages
      .stream(
        { model: "claude-sonnet-4-5", max_tokens: 32, messages: [{ role: "user", content: "Hi" }] },
        { headers: { traceparent: `00-${traceId}-eee19b7ec3c1b174-01` } },
      )
      .finalMessage();
    assert.equal(receiver.spans.length, 0, "held by the batch processor");
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await child.exited, 0);
  const spans = receiver.spans.filter((span) => span.traceId === traceId);
  assert.equal(spans.length, 4, spans.map((span) => span.name).join(", "));
  assert.equal(receiver.exports[0]?.contentType, "application/x-protobuf", "http/protobuf is the default");
  const server = spans.find((span) => span.kind === 2);
  assert.equal(server?.resource["service.name"], "outrigger-child");
  assert.equal(server?.resource["deployment.environment.name"], "test");
  // The access log went to stdout as JSON (not a TTY), one line for the call, with the trace id.
  const accessLine = child
    .output()
    .split("\n")
    .find((line) => line.includes('"msg":"request"'));
  assert.ok(accessLine !== undefined, child.output());
  assert.equal((JSON.parse(accessLine) as { traceId: string }).traceId, traceId);
  for (const secret of [...Object.values(upstreamKeys), clientKey])
    assert.ok(!child.output().includes(secret));
  for (const exported of receiver.exports) {
    for (const secret of Object.values(upstreamKeys))
      assert.ok(!exported.body.toString("latin1").includes(secret));
  }
});

/** Starts a sidecar in a fresh process and lists the OpenTelemetry SDK modules it loaded. */
function loadedSdkModules(env: NodeJS.ProcessEnv): string[] {
  const script = `
    import { createRequire } from "node:module";
    import { parseConfig } from "./src/config/load-config.ts";
    import { startSidecar } from "./src/sidecar.ts";
    import { createLogger } from "./src/telemetry/logger.ts";
    const config = parseConfig({ listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" } });
    const sidecar = await startSidecar({ config }, { warm: false, logger: createLogger({ level: "silent" }) });
    await fetch(sidecar.proxyUrl + "/anthropic/v1/messages", { method: "POST", body: "{}" }).then((r) => r.arrayBuffer());
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .filter((path) => /@opentelemetry[\\\\/](sdk-|exporter-|resources|otlp-)/.test(path));
    await sidecar.stop(500);
    process.stdout.write(JSON.stringify(loaded));
  `;
  const result = spawnSync(node24, ["--input-type=module", "-e", script], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as string[];
}

test("with tracing off, no OpenTelemetry SDK, exporter or resource module is even loaded", () => {
  assert.deepEqual(loadedSdkModules({}), []);
  // The same probe does see them when tracing is on, so the empty list above means something.
  const traced = loadedSdkModules({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
    OTEL_EXPORTER_OTLP_TIMEOUT: "300",
  });
  assert.ok(
    traced.some((path) => path.includes("sdk-trace")),
    traced.join("\n"),
  );
});
