// OpenTelemetry's own errors become sidecar warnings: the exception's name, code and message, throttled with a count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { diag } from "@opentelemetry/api";
import { reportOpenTelemetryDiagnostics } from "../../src/telemetry/otel-diagnostics.ts";

const flattened = (fields: Record<string, unknown>): string =>
  JSON.stringify({ stack: "OTLPExporterError: …\n    at …", data: "the collector's answer", ...fields });

test("a failing exporter: the first message at once, then one line per interval with the latest and a count", async () => {
  const warnings: string[] = [];
  reportOpenTelemetryDiagnostics((message) => warnings.push(message), 200);
  diag.error(flattened({ name: "OTLPExporterError", code: 503, message: "Service Unavailable" }));
  diag.error(flattened({ name: "OTLPExporterError", code: 503, message: "Service Unavailable" }));
  diag.warn("x".repeat(1000));
  diag.info("not reported");
  assert.deepEqual(warnings, ["OpenTelemetry: OTLPExporterError 503: Service Unavailable"]);
  // The burst has ended: what was held back is still reported once the interval is over.
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(warnings.length, 2);
  assert.match(warnings[1] ?? "", /^OpenTelemetry: x{300}… \(2 such messages since the last report\)$/);
  assert.ok(!warnings.join("\n").includes("the collector's answer"), "no response body");
  diag.disable();
});

test("an exception without a message still says what it was", () => {
  const warnings: string[] = [];
  reportOpenTelemetryDiagnostics((message) => warnings.push(message), 200);
  diag.error(flattened({ name: "OTLPExporterError", code: 401, message: "" }));
  assert.deepEqual(warnings, ["OpenTelemetry: OTLPExporterError 401"]);
  diag.disable();
});
