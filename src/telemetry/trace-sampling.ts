// The sampler and span limits from the standard OTEL_* variables, as the OpenTelemetry SDK reads them.
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import type { SpanLimits } from "./recorded-span.ts";

/** Where a variable is unusable, the SDK's default is kept and the reason is reported once. */
export type SamplingWarn = (message: string) => void;

function ratio(env: NodeJS.ProcessEnv, warn: SamplingWarn): number {
  const text = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const value = text === undefined || text === "" ? Number.NaN : Number(text);
  if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
  warn(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1; sampling every trace (1).`);
  return 1;
}

/**
 * OTEL_TRACES_SAMPLER: always_on, always_off, traceidratio and their parentbased_ forms; the default,
 * parentbased_always_on, follows the app's `traceparent` decision and samples every new trace.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv, warn: SamplingWarn): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim() || "parentbased_always_on";
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio(env, warn));
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env, warn)) });
    default:
      warn(`OTEL_TRACES_SAMPLER "${name}" is not supported; using parentbased_always_on.`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function limit(env: NodeJS.ProcessEnv, names: readonly string[], fallback: number, least: number): number {
  for (const name of names) {
    const text = env[name]?.trim();
    if (text === undefined || text === "") continue;
    const value = Number(text);
    if (Number.isInteger(value) && value >= least) return value;
  }
  return fallback;
}

/**
 * The span-specific variable wins over the general one; the spec's defaults otherwise. A value length of
 * 0 means no limit, as the SDK reads it (an empty string for every value helps nobody).
 */
export function spanLimitsFromEnv(env: NodeJS.ProcessEnv): SpanLimits {
  return {
    attributeCount: limit(env, ["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"], 128, 0),
    attributeValueLength: limit(
      env,
      ["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
      Number.POSITIVE_INFINITY,
      1,
    ),
    eventCount: limit(env, ["OTEL_SPAN_EVENT_COUNT_LIMIT"], 128, 0),
  };
}
