// Starts the export of Outrigger's own spans (OTLP through the OpenTelemetry SDK): loaded on demand, so a sidecar without tracing loads none of it.
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
 * No tracer provider, no NodeSDK registration: Outrigger creates its spans explicitly (no
 * auto-instrumentation, no context manager), as plain records (recorded-span.ts) handed to the SDK's
 * batch processor and OTLP exporter. Sampler (OTEL_TRACES_SAMPLER[_ARG]) and span limits
 * (OTEL_SPAN_*_LIMIT) are read from the standard variables (trace-sampling.ts); batching (OTEL_BSP_*),
 * exporter headers and timeout (OTEL_EXPORTER_OTLP_*) and resource (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES) by the SDK itself. Several sidecars may share a process in tests.
 */
export async function startTracing(
  settings: TracingSettings,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): Promise<Tracing> {
  const [
    { BatchSpanProcessor, RandomIdGenerator },
    resources,
    exporterModule,
    recorder,
    sampling,
    diagnostics,
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    settings.protocol === "http/json"
      ? import("@opentelemetry/exporter-trace-otlp-http")
      : import("@opentelemetry/exporter-trace-otlp-proto"),
    import("./span-recorder.ts"),
    import("./trace-sampling.ts"),
    import("./otel-diagnostics.ts"),
  ]);
  // A collector that is down or refuses the spans is logged (throttled), not dropped in silence.
  diagnostics.reportOpenTelemetryDiagnostics(warn);
  const detected = resources.detectResources({
    detectors: [resources.processDetector, resources.hostDetector, resources.envDetector],
  });
  // Later merges win: the env detector (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) overrides our defaults.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": "outrigger", "service.version": version }))
    .merge(detected);
  const exporter = new exporterModule.OTLPTraceExporter({ url: settings.url });
  const processor = new BatchSpanProcessor(exporter);
  enableResilienceNotes();
  const tracer = recorder.createSpanRecorder({
    sink: {
      processor,
      resource,
      scope: { name: "outrigger", version },
      limits: sampling.spanLimitsFromEnv(env),
    },
    sampler: sampling.samplerFromEnv(env, warn),
    idGenerator: new RandomIdGenerator(),
    captureContent: settings.captureContent,
    propagateUpstream: settings.propagateUpstream,
  });
  return {
    tracer,
    settings,
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}
