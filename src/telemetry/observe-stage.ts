// observe: outermost stage — records metrics for every request when its body has finished, rejected ones too.
import { performance } from "node:perf_hooks";
import type { Exchange } from "../pipeline/exchange.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import { detachTraceHeaders } from "./app-trace-headers.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";
import { createModelLabeler, genAiProviderName } from "./genai-attributes.ts";
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
}

function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export function observeStage(options: ObserveOptions): Stage {
  const { metrics } = options;
  const modelLabel = createModelLabeler(options.maxModels, options.configuredModels);
  // Error types partly come from the upstream's own words (a stream's error `type`): capped like models.
  const errorLabel = createModelLabeler(32);
  const record = (exchange: Exchange, status: number, completed: boolean): void => {
    const end = performance.now();
    exchange.timings.end = end;
    const seconds = (end - exchange.timings.start) / 1000;
    const provider = exchange.route?.provider;
    const providerLabel = provider?.id ?? "_none";
    const model = modelLabel(exchange.observed.requestModel);
    const outcome = !completed ? "aborted" : exchange.observed.errorType === undefined ? "success" : "error";
    metrics.requests.inc({ provider: providerLabel, model, status_class: statusClass(status), outcome });
    metrics.requestDuration.observe({ provider: providerLabel, status_class: statusClass(status) }, seconds);
    if (provider === undefined) return;
    const genAi = {
      gen_ai_operation_name: "chat",
      gen_ai_provider_name: genAiProviderName(provider),
      gen_ai_request_model: model,
    };
    const errorType =
      exchange.observed.errorType === undefined ? "" : errorLabel(exchange.observed.errorType);
    metrics.operationDuration.observe({ ...genAi, error_type: errorType }, seconds);
    const { requestSent, firstByte, firstToken } = exchange.timings;
    if (requestSent !== undefined && firstByte !== undefined) {
      metrics.upstreamTtfb.observe({ provider: providerLabel }, (firstByte - requestSent) / 1000);
    }
    if (exchange.observed.stream === true && firstToken !== undefined) {
      metrics.timeToFirstChunk.observe(genAi, (firstToken - exchange.timings.start) / 1000);
    }
    const { inputTokens, outputTokens } = exchange.observed.usage;
    if (inputTokens !== undefined)
      metrics.tokenUsage.observe({ ...genAi, gen_ai_token_type: "input" }, inputTokens);
    if (outputTokens !== undefined)
      metrics.tokenUsage.observe({ ...genAi, gen_ai_token_type: "output" }, outputTokens);
  };

  const { tracer } = options;
  const keepTraceHeaders = options.propagateUpstream === true;
  return function observe(next: Handler): Handler {
    return async (exchange) => {
      tracer?.begin(exchange);
      // The app's trace belongs to the app: its headers do not go to a third-party provider unless configured.
      if (!keepTraceHeaders) detachTraceHeaders(exchange);
      const response = await next(exchange);
      const streaming = !(response.body instanceof Uint8Array);
      const providerLabel = exchange.route?.provider.id ?? "_none";
      if (streaming) metrics.activeStreams.inc({ provider: providerLabel });
      return {
        ...response,
        onFinished: (outcome) => {
          if (streaming) metrics.activeStreams.dec({ provider: providerLabel });
          response.onFinished?.(outcome);
          record(exchange, response.status, outcome.completed);
          tracer?.finish(exchange, response.status, outcome.completed);
          options.onExchangeFinished?.(exchange, response.status, outcome.completed);
        },
      };
    };
  };
}
