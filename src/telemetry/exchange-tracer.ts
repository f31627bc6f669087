// The tracing hooks the pipeline calls when tracing is on; a type only, so the disabled path loads no SDK.
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";

export interface ExchangeTracer {
  /** At arrival (observe): opens the server span, continuing an incoming `traceparent`. */
  begin(exchange: Exchange): void;
  /** Once routed: opens the GenAI client span `chat {model}` under the server span. */
  beginOperation(exchange: Exchange): void;
  /** Wraps one upstream attempt in an HTTP client span with a `ttfb` child. */
  attempt(exchange: Exchange, send: () => Promise<ProxyResponse>): Promise<ProxyResponse>;
  /** When the body has finished or been abandoned: fills in what was observed and ends every span. */
  finish(exchange: Exchange, status: number, completed: boolean): void;
  /** The trace id of the exchange's spans (the app's own when it sent a `traceparent`). */
  traceId(exchange: Exchange): string | undefined;
}
