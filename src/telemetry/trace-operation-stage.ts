// traceOperation: opens the GenAI client span `chat {model}` once the route is known; installed only with tracing on.
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";

export interface TraceOperationOptions {
  readonly tracer: ExchangeTracer;
}

export function traceOperationStage(options: TraceOperationOptions): Stage {
  const { tracer } = options;
  return function traceOperation(next: Handler): Handler {
    return (exchange) => {
      tracer.beginOperation(exchange);
      return next(exchange);
    };
  };
}
