// The composition root: the request pipeline's stages, outermost first, each line saying why it sits there.
import type { Logger } from "pino";
import { authenticateStage } from "./auth/authenticate-stage.ts";
import type { OutriggerConfig } from "./config/config-types.ts";
import { convertStage } from "./convert/convert-stage.ts";
import { credentialsStage } from "./credentials/credentials-stage.ts";
import { rescueStage } from "./errors/rescue.ts";
import type { Limiter } from "./limits/limiter.ts";
import { createLocalLimiter } from "./limits/local-limiter.ts";
import { paceStage } from "./limits/pace-stage.ts";
import { compose } from "./pipeline/compose.ts";
import type { Exchange } from "./pipeline/exchange.ts";
import type { Handler } from "./pipeline/stage.ts";
import { resilienceStage } from "./resilience/resilience-stage.ts";
import { routeStage } from "./routing/route-stage.ts";
import type { RouteTable } from "./routing/route-table.ts";
import type { LiveStreams } from "./streaming/live-streams.ts";
import type { ExchangeTracer } from "./telemetry/exchange-tracer.ts";
import type { InflightExchanges } from "./telemetry/inflight-exchanges.ts";
import type { Metrics } from "./telemetry/metrics.ts";
import { observeStage } from "./telemetry/observe-stage.ts";
import { traceAttemptStage } from "./telemetry/trace-attempt-stage.ts";
import { traceOperationStage } from "./telemetry/trace-operation-stage.ts";
import { createDispatch } from "./upstream/dispatch.ts";

export interface AppOptions {
  readonly table: RouteTable;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxModels: number;
  readonly onExchangeFinished?: (exchange: Exchange, status: number, completed: boolean) => void;
  /** Only when tracing is on; without it no tracing stage is installed at all. */
  readonly tracer?: ExchangeTracer;
  readonly propagateTraceUpstream?: boolean;
  /** Model names the config spells out: they keep their metric label whatever the cap. */
  readonly configuredModels?: readonly string[];
  /** The config's optional inbound check (pod token or JWT); absent: every local caller is served. */
  readonly auth?: OutriggerConfig["auth"];
  readonly env?: NodeJS.ProcessEnv;
  /** The pacing backend (local or Redis-shared); a local one when absent. */
  readonly limiter?: Limiter;
  /** Counts exchanges until recorded, so the sidecar's stop can wait for them. */
  readonly inflight?: InflightExchanges;
  /** The event streams being relayed, so the sidecar's stop can end them with an error event. */
  readonly liveStreams?: LiveStreams;
}

export function createApp(options: AppOptions): Handler {
  // One pacing backend for both places that pace: the pace stage (per provider) and the key pool (per key).
  const limiter = options.limiter ?? createLocalLimiter();
  return compose(
    [
      // observe: outermost, so every request is measured — those rejected by later stages too.
      observeStage({
        metrics: options.metrics,
        maxModels: options.maxModels,
        ...(options.onExchangeFinished === undefined
          ? {}
          : { onExchangeFinished: options.onExchangeFinished }),
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
        propagateUpstream: options.propagateTraceUpstream === true,
        onFinishError: (error) => options.logger.error({ err: error }, "recording a finished request failed"),
        ...(options.inflight === undefined ? {} : { inflight: options.inflight }),
        ...(options.configuredModels === undefined ? {} : { configuredModels: options.configuredModels }),
      }),
      // rescue: the one place errors become responses, inside observe so error responses are measured.
      rescueStage({ logger: options.logger }),
      // route: decides provider and client dialect, which everything below (and rescue's rendering) needs.
      routeStage({ table: options.table }),
      // authenticate: after route so a 401 is rendered in the client's dialect; before any upstream work.
      authenticateStage({ auth: options.auth, ...(options.env === undefined ? {} : { env: options.env }) }),
      // traceOperation: the `chat {model}` span needs the route, and must enclose every attempt and fallback.
      ...(options.tracer === undefined ? [] : [traceOperationStage({ tracer: options.tracer })]),
      // resilience: retry ∘ breaker and the deadline around the attempts below, so each retry re-paces and re-picks a key.
      resilienceStage({ table: options.table, metrics: options.metrics }),
      // convert: per attempt, inside resilience, because a fallback may land on a provider of the other dialect.
      convertStage(),
      // pace: per attempt, after resilience, so a retry waits for the buckets, pauses and bulkhead like any request.
      paceStage({ limiter, metrics: options.metrics }),
      // credentials: chooses the key for this attempt; last before dispatch so a retry can choose anew.
      credentialsStage({ metrics: options.metrics, limiter }),
      // traceAttempt: one HTTP span per attempt, innermost so it sees this attempt's key and timings.
      ...(options.tracer === undefined ? [] : [traceAttemptStage({ tracer: options.tracer })]),
    ],
    // dispatch: sends upstream and resolves with a body that is observed as it streams.
    createDispatch(options.liveStreams === undefined ? {} : { live: options.liveStreams }),
  );
}
