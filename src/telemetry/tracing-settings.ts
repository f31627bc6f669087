// Decides whether tracing is on and where spans go, from `telemetry.*` and the standard OTEL_* variables.
import type { OutriggerConfig } from "../config/config-types.ts";

export type OtlpProtocol = "http/json" | "http/protobuf";

export interface TracingSettings {
  /** Full OTLP/HTTP traces URL, e.g. `http://jaeger:4318/v1/traces`. */
  readonly url: string;
  readonly protocol: OtlpProtocol;
  /** Record prompt and completion text on spans (off unless asked for: it is user data). */
  readonly captureContent: boolean;
  /** Send the attempt's `traceparent` upstream; otherwise no trace header leaves the pod. */
  readonly propagateUpstream: boolean;
  /** Something the operator should hear about (an unsupported protocol we replaced). */
  readonly warning?: string;
}

const defaultTracesUrl = "http://localhost:4318/v1/traces";

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/** The traces URL per the OTLP exporter spec: the signal-specific variable as is, else base + `/v1/traces`. */
export function tracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (specific !== undefined) return specific;
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return base === undefined ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`;
}

function isTrue(value: string | undefined): boolean {
  return nonEmpty(value)?.toLowerCase() === "true";
}

/** Whether prompt and completion text may be recorded: config or the GenAI conventions' variable. */
export function captureContentEnabled(
  telemetry: OutriggerConfig["telemetry"],
  env: NodeJS.ProcessEnv,
): boolean {
  return telemetry.captureContent || isTrue(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT);
}

/**
 * Undefined means tracing is off: then nothing of the OpenTelemetry SDK is even loaded. On when
 * `telemetry.tracing.enabled` is true, or when it is unset and an OTLP endpoint variable is set.
 */
export function tracingSettings(
  telemetry: OutriggerConfig["telemetry"],
  env: NodeJS.ProcessEnv,
): TracingSettings | undefined {
  if (isTrue(env.OTEL_SDK_DISABLED)) return undefined;
  if (nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase() === "none") return undefined;
  const url = tracesUrl(env);
  const enabled = telemetry.tracing.enabled ?? url !== undefined;
  if (!enabled) return undefined;
  const requested = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL);
  let protocol: OtlpProtocol = "http/protobuf";
  let warning: string | undefined;
  if (requested === "http/json") protocol = "http/json";
  else if (requested !== undefined && requested !== "http/protobuf") {
    warning = `OTLP protocol "${requested}" is not supported; exporting traces with http/protobuf`;
  }
  return {
    url: url ?? defaultTracesUrl,
    protocol,
    captureContent: captureContentEnabled(telemetry, env),
    propagateUpstream: telemetry.tracing.propagateUpstream,
    ...(warning === undefined ? {} : { warning }),
  };
}
