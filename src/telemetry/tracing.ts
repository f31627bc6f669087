// Starts the OpenTelemetry SDK for Outrigger's own spans: loaded on demand, so a sidecar without tracing loads none of it.
import { enableResilienceNotes } from "./exchange-notes.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";
import type { TracingSettings } from "./tracing-settings.ts";

export interface Tracing {
  readonly tracer: ExchangeTracer;
  readonly settings: TracingSettings;
  /** Exports what is buffered now. */
  forceFlush(): Promise<void>;
  /** Flushes pending spans and stops the exporter (on sidecar stop). */
  shutdown(): Promise<void>;
}

/**
 * A tracer provider of our own rather than NodeSDK's global registration: Outrigger creates its spans
 * explicitly (no auto-instrumentation, no context manager), and several sidecars may share a process in
 * tests. Sampler (OTEL_TRACES_SAMPLER[_ARG]), batching (OTEL_BSP_*), span limits, exporter headers and
 * timeout (OTEL_EXPORTER_OTLP_*) and resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) come from the
 * standard variables through the SDK itself.
 */
export async function startTracing(settings: TracingSettings, version: string): Promise<Tracing> {
  const [{ BasicTracerProvider, BatchSpanProcessor }, resources, exporterModule, { createSpanRecorder }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/resources"),
      settings.protocol === "http/json"
        ? import("@opentelemetry/exporter-trace-otlp-http")
        : import("@opentelemetry/exporter-trace-otlp-proto"),
      import("./span-recorder.ts"),
    ]);
  const detected = resources.detectResources({
    detectors: [resources.processDetector, resources.hostDetector, resources.envDetector],
  });
  // Later merges win: the env detector (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) overrides our defaults.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": "outrigger", "service.version": version }))
    .merge(detected);
  const exporter = new exporterModule.OTLPTraceExporter({ url: settings.url });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  enableResilienceNotes();
  const tracer = createSpanRecorder({
    tracer: provider.getTracer("outrigger", version),
    captureContent: settings.captureContent,
    propagateUpstream: settings.propagateUpstream,
  });
  return {
    tracer,
    settings,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
