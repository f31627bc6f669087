// The fast per-request metrics expose exactly what prom-client's own classes would for the same observations.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { FastCounter, FastGauge, FastHistogram } from "../../src/telemetry/fast-metrics.ts";

const labelNames = ["provider", "model"] as const;
const observations: [Record<(typeof labelNames)[number], string>, number][] = [
  [{ provider: "anthropic", model: "claude" }, 0.003],
  [{ provider: "anthropic", model: "claude" }, 0.2],
  [{ provider: "deepseek", model: "deepseek-chat" }, 7],
  [{ provider: "anthropic", model: "claude" }, 100],
  [{ provider: "deepseek", model: "deepseek-chat" }, 0.01],
];

/** The same three metrics registered twice: prom-client's own classes and the fast ones. */
function pairs() {
  const reference = new Registry();
  const fast = new Registry();
  const buckets = [0.01, 0.1, 1, 10];
  const options = { name: "x_seconds", help: "x", labelNames, buckets };
  return {
    reference,
    fast,
    referenceHistogram: new Histogram({ ...options, registers: [reference] }),
    fastHistogram: new FastHistogram({ ...options, registers: [fast] }),
    referenceCounter: new Counter({ name: "x_total", help: "y", labelNames, registers: [reference] }),
    fastCounter: new FastCounter({ name: "x_total", help: "y", labelNames, registers: [fast] }),
    referenceGauge: new Gauge({ name: "x_active", help: "z", labelNames, registers: [reference] }),
    fastGauge: new FastGauge({ name: "x_active", help: "z", labelNames, registers: [fast] }),
  };
}

test("histogram, counter and gauge exposition match prom-client's", async () => {
  const metrics = pairs();
  const { reference, fast, referenceHistogram, fastHistogram, referenceCounter, fastCounter } = metrics;
  const { referenceGauge, fastGauge } = metrics;
  for (const [labels, value] of observations) {
    referenceHistogram.observe(labels, value);
    fastHistogram.observe(labels, value);
    referenceCounter.inc(labels, 2);
    fastCounter.inc(labels, 2);
    referenceGauge.inc(labels);
    fastGauge.inc(labels);
  }
  referenceGauge.dec(observations[0]![0]);
  fastGauge.dec(observations[0]![0]);
  assert.equal(await fast.metrics(), await reference.metrics());
});

test("series handles move the same series as labelled calls; after a reset they are taken anew", async () => {
  const metrics = pairs();
  const { reference, fast, referenceHistogram, fastHistogram, referenceCounter, fastCounter } = metrics;
  const { referenceGauge, fastGauge } = metrics;
  for (const [labels, value] of observations) {
    referenceHistogram.observe(labels, value);
    fastHistogram.seriesFor(labels).observe(value);
    referenceCounter.inc(labels, 2);
    fastCounter.seriesFor(labels).inc(2);
    referenceGauge.inc(labels);
    fastGauge.seriesFor(labels).inc();
  }
  const [firstLabels] = observations[0]!;
  referenceGauge.dec(firstLabels);
  fastGauge.seriesFor(firstLabels).dec();
  // A handle taken once and used again lands in the same series as a labelled call.
  const kept = fastCounter.seriesFor(firstLabels);
  kept.inc();
  referenceCounter.inc(firstLabels);
  assert.equal(await fast.metrics(), await reference.metrics());

  const before = fastCounter.generation;
  fast.resetMetrics();
  reference.resetMetrics();
  assert.notEqual(fastCounter.generation, before, "holders of handles can tell they are stale");
  assert.equal(await fast.metrics(), await reference.metrics());
});
