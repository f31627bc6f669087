// The observe stage finishes exchanges at the end of their event-loop turn: exact end times, nothing lost at exit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import { InflightExchanges } from "../../src/telemetry/inflight-exchanges.ts";
import { createMetrics } from "../../src/telemetry/metrics.ts";
import { finishHeldExchanges, observeStage } from "../../src/telemetry/observe-stage.ts";
import { testExchange } from "../support/test-exchange.ts";

const exchange = (id: string): Exchange => testExchange({ id, path: "/deepseek/chat/completions" });

test("exchanges finished in one turn are recorded together at its end, each with the end time it finished at", async () => {
  const seen: { id: string; end: number | undefined; status: number }[] = [];
  const handler = observeStage({
    metrics: createMetrics({ defaultMetrics: false }),
    maxModels: 8,
    onExchangeFinished: (finished, status) => {
      seen.push({ id: finished.id, end: finished.timings.end, status });
    },
  })(async () => ({ status: 200, headers: {}, body: Buffer.from("{}") }));
  const first = exchange("first");
  const second = exchange("second");
  const [one, two] = [await handler(first), await handler(second)];
  one.onFinished?.({ completed: true });
  const firstEnd = first.timings.end;
  // Time passes within the turn: the second exchange's end must be its own, and later.
  const busyUntil = performance.now() + 5;
  while (performance.now() < busyUntil) {}
  two.onFinished?.({ completed: true });
  assert.equal(seen.length, 0, "nothing recorded within the turn");
  assert.ok(firstEnd !== undefined && second.timings.end !== undefined && second.timings.end - firstEnd >= 5);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    seen.map((entry) => [entry.id, entry.status]),
    [
      ["first", 200],
      ["second", 200],
    ],
  );
  assert.equal(seen[0]?.end, firstEnd, "the end time is the one taken when the exchange finished");
});

test("exchanges finished in the turn the process exits in still get their access lines", () => {
  // A child process on the real stdout batcher: one exchange finished, then an exit in the same turn.
  const module = (path: string) => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);
  const script = `
    import { createAccessLog } from ${module("telemetry/access-log.ts")};
    import { createLogger } from ${module("telemetry/logger.ts")};
    import { createMetrics } from ${module("telemetry/metrics.ts")};
    import { observeStage } from ${module("telemetry/observe-stage.ts")};
    const accessLog = createAccessLog({ logger: createLogger({ level: "info", pretty: false }) });
    const handler = observeStage({ metrics: createMetrics(), maxModels: 8, onExchangeFinished: accessLog })(
      async () => ({ status: 200, headers: {}, body: Buffer.from("{}") }),
    );
    const response = await handler({
      id: "exit-turn-1",
      request: { method: "POST", path: "/deepseek/chat/completions", search: "", headers: {}, door: "proxy" },
      signal: new AbortController().signal, timings: { start: performance.now() }, attempt: 1, observed: { usage: {} },
    });
    response.onFinished({ completed: true });
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "--eval", script], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((line) => [line.msg, line.exchange, line.status]),
    [["request", "exit-turn-1", 200]],
  );
});

test("a hook that throws is reported and the turn's other exchanges are finished all the same", async () => {
  const seen: string[] = [];
  const reported: unknown[] = [];
  const handler = observeStage({
    metrics: createMetrics({ defaultMetrics: false }),
    maxModels: 8,
    onExchangeFinished: (finished) => {
      if (finished.id === "throws") throw new Error("hook broke");
      seen.push(finished.id);
    },
    onFinishError: (error) => reported.push(error),
  })(async () => ({ status: 200, headers: {}, body: Buffer.from("{}") }));
  const responses = [await handler(exchange("throws")), await handler(exchange("after"))];
  for (const response of responses) response.onFinished?.({ completed: true });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ["after"]);
  assert.equal(reported.length, 1);
  assert.match(String(reported[0]), /hook broke/);
});

test("what is held for the end of the turn can be finished at once (the sidecar's stop, before telemetry shuts down)", async () => {
  const seen: string[] = [];
  const handler = observeStage({
    metrics: createMetrics({ defaultMetrics: false }),
    maxModels: 8,
    onExchangeFinished: (finished) => {
      seen.push(finished.id);
    },
  })(async () => ({ status: 200, headers: {}, body: Buffer.from("{}") }));
  (await handler(exchange("held"))).onFinished?.({ completed: true });
  assert.deepEqual(seen, []);
  finishHeldExchanges();
  assert.deepEqual(seen, ["held"]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ["held"], "finished once");
});

test("an exchange counts as in flight from its start until it is recorded; waiting for none is bounded", async () => {
  const inflight = new InflightExchanges();
  const handler = observeStage({ metrics: createMetrics({ defaultMetrics: false }), maxModels: 8, inflight })(
    async () => ({ status: 200, headers: {}, body: Buffer.from("{}") }),
  );
  const response = await handler(exchange("open"));
  assert.equal(inflight.count, 1);
  assert.equal(await inflight.settled(20), false, "still open: the wait gives up at its bound");
  const settled = inflight.settled(5_000);
  response.onFinished?.({ completed: true });
  assert.equal(inflight.count, 1, "finished but not yet recorded");
  assert.equal(await settled, true);
  assert.equal(inflight.count, 0);
  const failing = observeStage({ metrics: createMetrics({ defaultMetrics: false }), maxModels: 8, inflight })(
    async () => {
      throw new Error("a defect below rescue");
    },
  );
  await assert.rejects(failing(exchange("thrown")));
  assert.equal(inflight.count, 0, "no finish will come for it");
});

test("a stage below whose finish throws: the exchange is still recorded once, the gauge and the count stay balanced", async () => {
  const inflight = new InflightExchanges();
  const metrics = createMetrics({ defaultMetrics: false });
  const recorded: string[] = [];
  const handler = observeStage({
    metrics,
    maxModels: 8,
    inflight,
    onExchangeFinished: (finished) => {
      recorded.push(finished.id);
    },
    onFinishError: (error) => assert.fail(String(error)),
  })(async () => {
    return {
      status: 200,
      headers: {},
      body: (async function* () {
        yield new Uint8Array([123, 125]);
      })(),
      onFinished: () => {
        throw new Error("release failed");
      },
    };
  });
  const response = await handler(exchange("inner-throws"));
  // The listener's way: a finish that throws is called again with completed false.
  assert.throws(() => response.onFinished?.({ completed: true }), /release failed/);
  response.onFinished?.({ completed: false });
  assert.equal(await inflight.settled(5_000), true);
  assert.deepEqual(recorded, ["inner-throws"]);
  const exposition = await metrics.registry.metrics();
  const active = exposition.split("\n").find((line) => line.startsWith("outrigger_active_streams{"));
  assert.ok(active?.endsWith(" 0"), `active streams back to 0: ${active}`);
});
