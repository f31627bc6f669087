// OpenTelemetry's own errors become sidecar warnings: the exception's name, code and message, once per 10 s.
import assert from "node:assert/strict";
import { test } from "node:test";
import { diag } from "@opentelemetry/api";
import { reportOpenTelemetryDiagnostics } from "../../src/telemetry/otel-diagnostics.ts";

test("a failing exporter is reported once per quiet interval, with the count of what was held back", () => {
  const warnings: string[] = [];
  let now = 0;
  reportOpenTelemetryDiagnostics(
    (message) => warnings.push(message),
    () => now,
  );
  const flattened = JSON.stringify({
    name: "OTLPExporterError",
    code: 503,
    message: "Service Unavailable",
    stack: "OTLPExporterError: Service Unavailable\n    at …",
    data: "collector overloaded",
  });
  diag.error(flattened);
  now = 4_000;
  diag.error(flattened);
  diag.warn("a plain warning");
  diag.info("not reported");
  now = 10_500;
  diag.warn("x".repeat(1000));
  assert.deepEqual(warnings.slice(0, 1), ["OpenTelemetry: OTLPExporterError 503: Service Unavailable"]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[1] ?? "", /^OpenTelemetry: x{300}… \(2 more in the last 10 s\)$/);
  diag.disable();
});
