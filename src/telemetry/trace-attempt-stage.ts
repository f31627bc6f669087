// traceAttempt: one HTTP client span per upstream attempt, with its `ttfb` child; installed only with tracing on.
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";

export interface TraceAttemptOptions {
  readonly tracer: ExchangeTracer;
}

export function traceAttemptStage(options: TraceAttemptOptions): Stage {
  const { tracer } = options;
  return function traceAttempt(next: Handler): Handler {
    return (exchange) => tracer.attempt(exchange, () => next(exchange));
  };
}
