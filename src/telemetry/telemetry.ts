// Assembles a sidecar's telemetry beyond the core metrics: tracing when configured, the access log, runtime gauges.
import type { Logger } from "pino";
import type { OutriggerConfig } from "../config/config-types.ts";
import { credentialEvents } from "../credentials/credential-events.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import { createAccessLog } from "./access-log.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";
import type { Metrics } from "./metrics.ts";
import { registerRuntimeMetrics } from "./runtime-metrics.ts";
import { startTracing } from "./tracing.ts";
import { tracingSettings } from "./tracing-settings.ts";

/** How long stop waits for the last spans to reach the collector. */
const shutdownFlushLimit = 5_000;

type ExchangeFinished = (exchange: Exchange, status: number, completed: boolean) => void;

export interface TelemetryOptions {
  readonly config: OutriggerConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly providers: readonly ProviderRuntime[];
  readonly version: string;
  /** A caller's own per-exchange hook (tests), run after the access log line. */
  readonly onExchangeFinished?: ExchangeFinished;
}

export interface Telemetry {
  /** Undefined when tracing is off: no tracing stage is installed and no SDK module is loaded. */
  readonly tracer?: ExchangeTracer;
  readonly propagateTraceUpstream: boolean;
  readonly onExchangeFinished?: ExchangeFinished;
  /** Flushes pending spans and detaches listeners; call once the listeners have drained. */
  shutdown(): Promise<void>;
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { config, logger } = options;
  const settings = tracingSettings(config.telemetry, options.env);
  if (settings?.warning !== undefined) logger.warn({ tracing: settings.url }, settings.warning);
  const tracing =
    settings === undefined
      ? undefined
      : await startTracing(settings, options.version, options.env, (message) => logger.warn(message));
  if (tracing !== undefined) {
    logger.info(
      {
        endpoint: tracing.settings.url,
        protocol: tracing.settings.protocol,
        captureContent: settings?.captureContent,
      },
      "tracing on",
    );
  }
  const runtime = registerRuntimeMetrics({
    registry: options.metrics.registry,
    providers: options.providers,
    events: credentialEvents,
  });
  const accessLog = config.telemetry.accessLog.enabled
    ? createAccessLog({ logger, ...(tracing === undefined ? {} : { tracer: tracing.tracer }) })
    : undefined;
  const caller = options.onExchangeFinished;
  const hooks = [accessLog, caller].filter((hook): hook is ExchangeFinished => hook !== undefined);
  const onExchangeFinished: ExchangeFinished | undefined =
    hooks.length === 0
      ? undefined
      : hooks.length === 1
        ? hooks[0]
        : (exchange, status, completed) => {
            for (const hook of hooks) hook(exchange, status, completed);
          };
  return {
    ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
    propagateTraceUpstream: config.telemetry.tracing.propagateUpstream,
    ...(onExchangeFinished === undefined ? {} : { onExchangeFinished }),
    async shutdown() {
      runtime.close();
      if (tracing === undefined) return;
      // An unreachable collector must not hold the pod past its grace: the flush gets a bounded wait.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), shutdownFlushLimit);
      });
      try {
        const outcome = await Promise.race([tracing.shutdown(), bound]);
        if (outcome === "timeout")
          logger.warn({ endpoint: tracing.settings.url }, "span flush at shutdown timed out");
      } catch (error) {
        logger.warn({ err: error }, "flushing spans at shutdown failed");
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
