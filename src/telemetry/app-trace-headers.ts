// The app's own trace headers: taken off the upstream request (unless configured) but kept for the access log.
import type { Exchange } from "../pipeline/exchange.ts";
import { parseTraceparent } from "./trace-context.ts";

// Only exchanges that arrived with a traceparent have an entry; parsing waits until someone asks.
const detached = new WeakMap<Exchange, string | string[]>();

/** Removes `traceparent`, `tracestate` and `baggage` from the inbound headers so they are not forwarded to the provider. */
export function detachTraceHeaders(exchange: Exchange): void {
  const headers = exchange.request.headers;
  const traceparent = headers.traceparent;
  if (traceparent !== undefined) {
    detached.set(exchange, traceparent);
    delete headers.traceparent;
  }
  if (headers.tracestate !== undefined) delete headers.tracestate;
  // W3C baggage is the app's context too (user ids, tenants): no business of the provider's.
  if (headers.baggage !== undefined) delete headers.baggage;
}

/** The trace id the app sent, whether or not the header was forwarded. */
export function incomingTraceId(exchange: Exchange): string | undefined {
  return parseTraceparent(detached.get(exchange) ?? exchange.request.headers.traceparent)?.traceId;
}
