// Starts recorded spans: a call's server span under the sampler's verdict, its children sharing that verdict.
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SamplingDecision,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import type { IdGenerator, Sampler } from "@opentelemetry/sdk-trace-base";
import { RecordedSpan, type SpanSink } from "./recorded-span.ts";

export interface SpanStarter {
  /**
   * The first span of a call, continuing the app's trace when `parent` (its `traceparent`) is given.
   * The sampler decides here, once: every standard sampler (parent-based, trace-id ratio, always on or
   * off) would decide the same for the call's other spans, so they take this verdict.
   */
  root(
    name: string,
    kind: SpanKind,
    startEpoch: number,
    attributes: Attributes,
    parent: SpanContext | undefined,
  ): RecordedSpan;
  /** A span in its parent's trace, sharing the parent's sampling verdict and trace state. */
  child(
    parent: RecordedSpan,
    name: string,
    kind: SpanKind,
    startEpoch: number,
    attributes: Attributes,
  ): RecordedSpan;
}

export function createSpanStarter(sink: SpanSink, sampler: Sampler, ids: IdGenerator): SpanStarter {
  return {
    root(name, kind, startEpoch, attributes, parent) {
      const traceId = parent?.traceId ?? ids.generateTraceId();
      const parentContext: Context =
        parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
      const verdict = sampler.shouldSample(parentContext, traceId, name, kind, attributes, []);
      const traceState = verdict.traceState ?? parent?.traceState;
      const context: SpanContext = {
        traceId,
        spanId: ids.generateSpanId(),
        traceFlags:
          verdict.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
        ...(traceState === undefined ? {} : { traceState }),
      };
      const all = verdict.attributes === undefined ? attributes : { ...attributes, ...verdict.attributes };
      return new RecordedSpan(sink, name, kind, context, parent, startEpoch, all);
    },

    child(parent, name, kind, startEpoch, attributes) {
      const parentContext = parent.spanContext();
      const context: SpanContext = {
        traceId: parentContext.traceId,
        spanId: ids.generateSpanId(),
        traceFlags: parentContext.traceFlags,
        ...(parentContext.traceState === undefined ? {} : { traceState: parentContext.traceState }),
      };
      return new RecordedSpan(sink, name, kind, context, parentContext, startEpoch, attributes);
    },
  };
}
