// observe: outermost stage — records metrics for every request when its body has finished, rejected ones too.
import { performance } from "node:perf_hooks";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import { detachTraceHeaders } from "./app-trace-headers.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";
import type { CounterSeries, GaugeSeries, HistogramSeries } from "./fast-metrics.ts";
import { createModelLabeler, genAiProviderName } from "./genai-attributes.ts";
import type { InflightExchanges } from "./inflight-exchanges.ts";
import type { Metrics } from "./metrics.ts";

export interface ObserveOptions {
  readonly metrics: Metrics;
  readonly maxModels: number;
  /** Model names from the config: labelled by name whatever the cap (see createModelLabeler). */
  readonly configuredModels?: readonly string[];
  /** Called once per finished exchange, e.g. for the access log. */
  readonly onExchangeFinished?: (exchange: Exchange, status: number, completed: boolean) => void;
  /** Present only when tracing is on: the disabled path creates no spans and parses no trace headers. */
  readonly tracer?: ExchangeTracer;
  /** Leave the app's `traceparent`/`tracestate` on the upstream request (`telemetry.tracing.propagateUpstream`). */
  readonly propagateUpstream?: boolean;
  /** A metric, span or hook that threw while finishing an exchange; the others are finished all the same. */
  readonly onFinishError?: (error: unknown) => void;
  /** Counts exchanges from their start until they are recorded, for the sidecar's stop. */
  readonly inflight?: InflightExchanges;
}

const statusClasses = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** Observe stages holding finished exchanges for the end of this event-loop turn. */
const holding = new Set<() => void>();
let exitHooked = false;

/**
 * A process that exits within the turn still records them and writes their access lines: ahead of the
 * stdout batcher's own exit flush (logger.ts, registered earlier), so the lines reach it.
 */
function finishHeldOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.prependListener("exit", finishHeldExchanges);
}

/** Finishes at once what every observe stage holds for the end of the turn: before telemetry shuts down. */
export function finishHeldExchanges(): void {
  for (const finishAll of holding) finishAll();
}

interface Finished {
  readonly exchange: Exchange;
  readonly status: number;
  readonly completed: boolean;
}

function statusClass(status: number): string {
  return statusClasses[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}

/**
 * The series one kind of request moves (same provider, model, status class, outcome and error type),
 * kept together so a request finds them with one lookup instead of building each metric's label key
 * (bench/README.md). Each is taken the first time it is moved, so no series appears before it counts.
 */
interface RequestSeries {
  readonly generation: number;
  readonly requests: CounterSeries;
  readonly duration: HistogramSeries;
  operation?: HistogramSeries;
  ttfb?: HistogramSeries;
  firstChunk?: HistogramSeries;
  inputTokens?: HistogramSeries;
  outputTokens?: HistogramSeries;
}

/** Changes when any per-request metric is reset: the kept series handles are then taken anew. */
function generationOf(metrics: Metrics): number {
  return (
    metrics.requests.generation +
    metrics.requestDuration.generation +
    metrics.operationDuration.generation +
    metrics.upstreamTtfb.generation +
    metrics.timeToFirstChunk.generation +
    metrics.tokenUsage.generation
  );
}

export function observeStage(options: ObserveOptions): Stage {
  const { metrics } = options;
  const modelLabel = createModelLabeler(options.maxModels, options.configuredModels);
  // Error types partly come from the upstream's own words (a stream's error `type`): capped like models.
  const errorLabel = createModelLabeler(32);
  // Bounded: providers × capped models × status classes × outcomes × capped error types.
  const seriesByKind = new Map<string, RequestSeries>();
  const record = (exchange: Exchange, status: number, completed: boolean): void => {
    const seconds = ((exchange.timings.end ?? performance.now()) - exchange.timings.start) / 1000;
    const provider = exchange.route?.provider;
    const providerLabel = provider?.id ?? "_none";
    const model = modelLabel(exchange.observed.requestModel);
    const { errorType: observedError } = exchange.observed;
    const outcome = !completed ? "aborted" : observedError === undefined ? "success" : "error";
    // Only routed requests carry the error_type label: unrouted ones must not use up its capped slots.
    const errorType = observedError === undefined || provider === undefined ? "" : errorLabel(observedError);
    const status_class = statusClass(status);
    const generation = generationOf(metrics);
    const operation = exchange.observed.operation;
    const kind = `${providerLabel}\u0001${model}\u0001${status_class}\u0001${outcome}\u0001${errorType}\u0001${operation}`;
    let series = seriesByKind.get(kind);
    if (series === undefined || series.generation !== generation) {
      series = {
        generation,
        requests: metrics.requests.seriesFor({ provider: providerLabel, model, status_class, outcome }),
        duration: metrics.requestDuration.seriesFor({ provider: providerLabel, status_class }),
      };
      seriesByKind.set(kind, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
    if (provider === undefined) return;
    const { requestSent, firstByte, firstToken } = exchange.timings;
    if (requestSent !== undefined && firstByte !== undefined) {
      series.ttfb ??= metrics.upstreamTtfb.seriesFor({ provider: providerLabel });
      series.ttfb.observe((firstByte - requestSent) / 1000);
    }
    // A model list or a file upload is proxied and counted above, but is no GenAI operation.
    if (operation === undefined) return;
    const genAi = (): {
      gen_ai_operation_name: string;
      gen_ai_provider_name: string;
      gen_ai_request_model: string;
    } => ({
      gen_ai_operation_name: operation,
      gen_ai_provider_name: genAiProviderName(provider),
      gen_ai_request_model: model,
    });
    series.operation ??= metrics.operationDuration.seriesFor({ ...genAi(), error_type: errorType });
    series.operation.observe(seconds);
    if (exchange.observed.stream === true && firstToken !== undefined) {
      series.firstChunk ??= metrics.timeToFirstChunk.seriesFor(genAi());
      series.firstChunk.observe((firstToken - exchange.timings.start) / 1000);
    }
    const { inputTokens, outputTokens } = exchange.observed.usage;
    if (inputTokens !== undefined) {
      series.inputTokens ??= metrics.tokenUsage.seriesFor({ ...genAi(), gen_ai_token_type: "input" });
      series.inputTokens.observe(inputTokens);
    }
    if (outputTokens !== undefined) {
      series.outputTokens ??= metrics.tokenUsage.seriesFor({ ...genAi(), gen_ai_token_type: "output" });
      series.outputTokens.observe(outputTokens);
    }
  };

  const activeByProvider = new Map<string, GaugeSeries>();
  let activeGeneration = metrics.activeStreams.generation;
  const activeStreamsOf = (provider: string): GaugeSeries => {
    if (activeGeneration !== metrics.activeStreams.generation) {
      activeByProvider.clear();
      activeGeneration = metrics.activeStreams.generation;
    }
    let series = activeByProvider.get(provider);
    if (series === undefined) {
      series = metrics.activeStreams.seriesFor({ provider });
      activeByProvider.set(provider, series);
    }
    return series;
  };

  const { tracer, inflight } = options;
  const reportFinishError =
    options.onFinishError ??
    ((error: unknown) => process.emitWarning(`finishing an exchange failed: ${error}`));
  // Metrics, spans and access lines of every exchange that finished in a turn are done back to back at its
  // end, not each amid its request's other work: the same code run together measured several per cent less
  // CPU per request under load (bench/README.md). The end time is taken when the exchange finished.
  // The sidecar's stop() finishes what is held before telemetry shuts down (finishHeldExchanges).
  let finished: Finished[] = [];
  const finishAll = (): void => {
    holding.delete(finishAll);
    const batch = finished;
    finished = [];
    for (const { exchange, status, completed } of batch) {
      try {
        record(exchange, status, completed);
        tracer?.finish(exchange, status, completed);
        options.onExchangeFinished?.(exchange, status, completed);
      } catch (error) {
        // Outside any request now: a throw here would end the process, and the batch's other exchanges.
        reportFinishError(error);
      } finally {
        inflight?.end();
      }
    }
  };
  const keepTraceHeaders = options.propagateUpstream === true;
  return function observe(next: Handler): Handler {
    return async (exchange) => {
      tracer?.begin(exchange);
      // The app's trace belongs to the app: its headers do not go to a third-party provider unless configured.
      if (!keepTraceHeaders) detachTraceHeaders(exchange);
      inflight?.begin();
      let response: ProxyResponse;
      try {
        response = await next(exchange);
      } catch (error) {
        // Rescue turns errors into responses; only a defect gets here, and then no finish will come.
        inflight?.end();
        throw error;
      }
      const streaming = !(response.body instanceof Uint8Array);
      const active = streaming ? activeStreamsOf(exchange.route?.provider.id ?? "_none") : undefined;
      active?.inc();
      let ended = false;
      return {
        ...response,
        onFinished: (outcome) => {
          // Once: the listener calls again when a first call threw (an inner stage's release failing).
          if (ended) return;
          ended = true;
          exchange.timings.end = performance.now();
          active?.dec();
          try {
            response.onFinished?.(outcome);
          } finally {
            // Recorded whatever the stages below did with their own finish.
            if (finished.length === 0) {
              finishHeldOnExit();
              holding.add(finishAll);
              setImmediate(finishAll);
            }
            finished.push({ exchange, status: response.status, completed: outcome.completed });
          }
        },
      };
    };
  };
}
