// A recorded span: the times, limits and single hand-over the batch processor and the OTLP exporter rely on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { epochToHrTime, RecordedSpan, type SpanLimits } from "../../src/telemetry/recorded-span.ts";
import { samplerFromEnv, spanLimitsFromEnv } from "../../src/telemetry/trace-sampling.ts";

function sinkWith(limits: SpanLimits) {
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => ended.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const sink = {
    processor,
    resource: resourceFromAttributes({ "service.name": "test" }),
    scope: { name: "outrigger", version: "0.0.0" },
    limits,
  };
  return { sink, ended };
}

const context = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };

test("epoch milliseconds become [seconds, nanoseconds] without drift or overflow", () => {
  assert.deepEqual(epochToHrTime(1_700_000_000_123.5), [1_700_000_000, 123_500_000]);
  assert.deepEqual(epochToHrTime(2_000), [2, 0]);
  assert.deepEqual(epochToHrTime(999.9999999999), [0, 999_999_999]);
});

test("a span is handed to the processor once, at its end, with its duration and status", () => {
  const { sink, ended } = sinkWith({ attributeCount: 128, attributeValueLength: Infinity, eventCount: 128 });
  const span = new RecordedSpan(sink, "chat", SpanKind.CLIENT, context, undefined, 1_000, { a: 1 });
  span.addEvent("first_byte", 1_250);
  span.setError("timeout");
  span.end(1_500);
  span.end(9_000);
  span.setAttribute("late", "ignored");
  assert.equal(ended.length, 1);
  assert.deepEqual(span.duration, [0, 500_000_000]);
  assert.deepEqual(span.events, [{ name: "first_byte", time: [1, 250_000_000], droppedAttributesCount: 0 }]);
  assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: "timeout" });
  assert.deepEqual(span.attributes, { a: 1 });
  // An end before the start (clocks read in another order) is clamped: no negative duration.
  const early = new RecordedSpan(sink, "ttfb", SpanKind.INTERNAL, context, context, 2_000, {});
  early.end(1_999);
  assert.deepEqual(early.duration, [0, 0]);
});

test("attribute and event limits drop and count what is past them; long strings are cut", () => {
  const { sink } = sinkWith({ attributeCount: 2, attributeValueLength: 4, eventCount: 1 });
  const span = new RecordedSpan(sink, "s", SpanKind.SERVER, context, undefined, 0, {
    first: "abcdefgh",
    second: ["stop", "length"],
    third: 3,
  });
  span.setAttribute("first", "xy");
  span.addEvent("one", 1);
  span.addEvent("two", 2);
  span.end(3);
  span.setError("after the end");
  assert.deepEqual(span.attributes, { first: "xy", second: ["stop", "leng"] });
  assert.equal(span.droppedAttributesCount, 1);
  assert.deepEqual(
    span.events.map((event) => event.name),
    ["two"],
    "the oldest event made room",
  );
  assert.equal(span.droppedEventsCount, 1);
  assert.equal(span.status.code, SpanStatusCode.UNSET, "an ended span is not changed");
});

test("the standard variables pick the sampler and the limits; an unusable value is reported", () => {
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  assert.match(samplerFromEnv({}, warn).toString(), /ParentBased\{root=AlwaysOnSampler/);
  assert.match(samplerFromEnv({ OTEL_TRACES_SAMPLER: "always_off" }, warn).toString(), /AlwaysOffSampler/);
  assert.match(
    samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }, warn).toString(),
    /TraceIdRatioBased\{0\.25\}/,
  );
  assert.deepEqual(warnings, []);
  samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "lots" }, warn);
  samplerFromEnv({ OTEL_TRACES_SAMPLER: "jaeger_remote" }, warn);
  assert.equal(warnings.length, 2);
  assert.match(warnings[1] ?? "", /jaeger_remote/);

  assert.deepEqual(spanLimitsFromEnv({}), {
    attributeCount: 128,
    attributeValueLength: Infinity,
    eventCount: 128,
  });
  assert.deepEqual(
    spanLimitsFromEnv({
      OTEL_ATTRIBUTE_COUNT_LIMIT: "10",
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "20",
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "64",
      OTEL_SPAN_EVENT_COUNT_LIMIT: "nope",
    }),
    { attributeCount: 20, attributeValueLength: 64, eventCount: 128 },
  );
  assert.equal(
    spanLimitsFromEnv({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "0" }).attributeValueLength,
    Infinity,
  );
});

test("a span that was not sampled keeps its ids but records nothing and is not handed over", () => {
  const { sink, ended } = sinkWith({ attributeCount: 128, attributeValueLength: Infinity, eventCount: 128 });
  const unsampled = { ...context, traceFlags: 0 };
  const span = new RecordedSpan(sink, "chat", SpanKind.CLIENT, unsampled, undefined, 1_000, { a: 1 });
  span.setAttribute("b", 2);
  span.addEvent("first_byte", 1_100);
  span.setError("timeout");
  span.end(1_500);
  assert.equal(span.recording, false);
  assert.equal(span.spanContext().traceId, context.traceId, "the ids still propagate");
  assert.deepEqual(span.attributes, {});
  assert.deepEqual(span.events, []);
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(ended.length, 0);
});
