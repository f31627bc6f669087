// When tracing turns on, where spans go and in which encoding: `telemetry.*` and the standard OTEL_* variables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/config/load-config.ts";
import { formatTraceparent, parseTraceparent } from "../../src/telemetry/trace-context.ts";
import { tracingSettings } from "../../src/telemetry/tracing-settings.ts";

const telemetry = (extra: Record<string, unknown> = {}) => parseConfig({ telemetry: extra }).telemetry;

test("off without an endpoint variable or config; on as soon as an endpoint is set", () => {
  assert.equal(tracingSettings(telemetry(), {}), undefined);
  const settings = tracingSettings(telemetry(), { OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/" });
  assert.equal(settings?.url, "http://jaeger:4318/v1/traces");
  assert.equal(settings?.protocol, "http/protobuf", "the OTLP default");
  assert.equal(settings?.captureContent, false);
  assert.equal(settings?.propagateUpstream, false);
});

test("the traces-specific endpoint is used as is and wins over the base one", () => {
  const settings = tracingSettings(telemetry(), {
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
  });
  assert.equal(settings?.url, "http://traces:9999/custom");
});

test("enabled: true without an endpoint exports to localhost:4318; enabled: false wins over any variable", () => {
  assert.equal(
    tracingSettings(telemetry({ tracing: { enabled: true } }), {})?.url,
    "http://localhost:4318/v1/traces",
  );
  assert.equal(
    tracingSettings(telemetry({ tracing: { enabled: false } }), {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318",
    }),
    undefined,
  );
});

test("OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn it off", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318" };
  assert.equal(tracingSettings(telemetry(), { ...endpoint, OTEL_SDK_DISABLED: "true" }), undefined);
  assert.equal(tracingSettings(telemetry(), { ...endpoint, OTEL_TRACES_EXPORTER: "none" }), undefined);
});

test("protocol: http/json or http/protobuf; anything else falls back to protobuf with a warning", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318" };
  assert.equal(
    tracingSettings(telemetry(), { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })?.protocol,
    "http/json",
  );
  assert.equal(
    tracingSettings(telemetry(), {
      ...endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
    })?.protocol,
    "http/protobuf",
  );
  const grpc = tracingSettings(telemetry(), { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
  assert.equal(grpc?.protocol, "http/protobuf");
  assert.match(grpc?.warning ?? "", /grpc/);
});

test("content capture: config or the GenAI variable; propagation from config", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318" };
  assert.equal(tracingSettings(telemetry({ captureContent: true }), endpoint)?.captureContent, true);
  assert.equal(
    tracingSettings(telemetry(), { ...endpoint, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "TRUE" })
      ?.captureContent,
    true,
  );
  assert.equal(
    tracingSettings(telemetry({ tracing: { propagateUpstream: true } }), endpoint)?.propagateUpstream,
    true,
  );
});

test("traceparent: valid ones parse and render back; malformed, all-zero and version ff are refused", () => {
  const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const parsed = parseTraceparent(header);
  assert.deepEqual(parsed, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: 1,
  });
  assert.equal(formatTraceparent(parsed as NonNullable<typeof parsed>), header);
  assert.equal(parseTraceparent(header.toUpperCase())?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.ok(
    parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"),
    "a later version may add fields",
  );
  for (const bad of [
    undefined,
    "",
    "garbage",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
});
