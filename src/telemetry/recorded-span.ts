// One span as the OTLP exporter reads it (the SDK's ReadableSpan), recorded without the SDK's Span and Tracer.
import {
  type Attributes,
  type AttributeValue,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  SpanStatusCode,
  TraceFlags,
} from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, SpanProcessor, TimedEvent } from "@opentelemetry/sdk-trace-base";

/** The standard span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and friends), resolved once. */
export interface SpanLimits {
  readonly attributeCount: number;
  readonly attributeValueLength: number;
  readonly eventCount: number;
}

/** What every span of one sidecar shares: where it goes and what it is part of. */
export interface SpanSink {
  readonly processor: SpanProcessor;
  readonly resource: Resource;
  readonly scope: { readonly name: string; readonly version: string };
  readonly limits: SpanLimits;
}

/** Epoch milliseconds (fractional) as OTLP's [seconds, nanoseconds]. */
export function epochToHrTime(epochMilliseconds: number): HrTime {
  const seconds = Math.floor(epochMilliseconds / 1000);
  const nanoseconds = Math.min(999_999_999, Math.round((epochMilliseconds - seconds * 1000) * 1e6));
  return [seconds, nanoseconds];
}

const noLinks: Link[] = [];

/** The value-length limit applies to strings, alone or in an array (the spec's rule, the SDK's behaviour). */
function cut(value: AttributeValue, length: number): AttributeValue {
  if (typeof value === "string") return value.length > length ? value.slice(0, length) : value;
  if (Array.isArray(value) && value.some((item) => typeof item === "string" && item.length > length)) {
    return value.map((item) => (typeof item === "string" ? item.slice(0, length) : item)) as AttributeValue;
  }
  return value;
}

/**
 * The SDK's Span re-derives, re-validates and re-sanitizes on every call (ids, attributes, clocks, a
 * context per child), which cost about 20 µs per span under load in bench/. Outrigger's spans are
 * built from values it has already checked, with epoch times it has already taken, so a span here is
 * a plain record handed to the batch processor once, when it ends. A span that was not sampled keeps
 * its ids (they still propagate and name the trace in the access log) but records nothing, as the
 * SDK's non-recording span does.
 */
export class RecordedSpan implements ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  duration: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly attributes: Attributes = {};
  readonly links: Link[] = noLinks;
  readonly events: TimedEvent[] = [];
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #context: SpanContext;
  readonly #sink: SpanSink;
  readonly #startMilliseconds: number;
  readonly #recording: boolean;
  #attributeCount = 0;

  constructor(
    sink: SpanSink,
    name: string,
    kind: SpanKind,
    context: SpanContext,
    parent: SpanContext | undefined,
    startMilliseconds: number,
    attributes: Attributes,
  ) {
    this.#sink = sink;
    this.name = name;
    this.kind = kind;
    this.#context = context;
    this.parentSpanContext = parent;
    this.#startMilliseconds = startMilliseconds;
    this.#recording = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    this.startTime = epochToHrTime(startMilliseconds);
    this.setAttributes(attributes);
  }

  /** False for a span that was not sampled: nothing is kept or exported, only its ids are used. */
  get recording(): boolean {
    return this.#recording;
  }

  get resource(): Resource {
    return this.#sink.resource;
  }

  get instrumentationScope(): { readonly name: string; readonly version: string } {
    return this.#sink.scope;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): void {
    if (!this.#recording || this.ended || value === undefined) return;
    const { limits } = this.#sink;
    if (!(key in this.attributes)) {
      if (this.#attributeCount >= limits.attributeCount) {
        this.droppedAttributesCount += 1;
        return;
      }
      this.#attributeCount += 1;
    }
    this.attributes[key] = cut(value, limits.attributeValueLength);
  }

  setAttributes(attributes: Attributes): void {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
  }

  /** Past the event limit the oldest event makes room, as the SDK does; a limit of 0 keeps none. */
  addEvent(name: string, epochMilliseconds: number): void {
    if (!this.#recording || this.ended) return;
    const { eventCount } = this.#sink.limits;
    if (this.events.length >= eventCount) {
      this.droppedEventsCount += 1;
      if (eventCount === 0) return;
      this.events.shift();
    }
    this.events.push({ name, time: epochToHrTime(epochMilliseconds), droppedAttributesCount: 0 });
  }

  setError(message: string): void {
    if (this.#recording && !this.ended) this.status = { code: SpanStatusCode.ERROR, message };
  }

  updateName(name: string): void {
    if (this.#recording && !this.ended) this.name = name;
  }

  /** Ends the span once (later calls are ignored) and hands it to the batch processor when recording. */
  end(epochMilliseconds: number): void {
    if (this.ended) return;
    if (!this.#recording) {
      this.ended = true;
      return;
    }
    const endMilliseconds = Math.max(epochMilliseconds, this.#startMilliseconds);
    this.endTime = epochToHrTime(endMilliseconds);
    this.duration = epochToHrTime(endMilliseconds - this.#startMilliseconds);
    this.ended = true;
    this.#sink.processor.onEnd(this);
  }
}
