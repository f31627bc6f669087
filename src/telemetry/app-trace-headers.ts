// The app's own trace headers: taken off the upstream request (unless configured) but kept for the access log.
import type { IncomingHttpHeaders } from "node:http";
import type { Exchange } from "../pipeline/exchange.ts";
import { parseTraceparent } from "./trace-context.ts";

// Only exchanges that arrived with a traceparent have an entry; parsing waits until someone asks.
const detached = new WeakMap<Exchange, string | string[]>();

/**
 * Every tracing system's context headers, not only W3C's: an app instrumented with Zipkin, Jaeger,
 * Datadog, Sentry, X-Ray or Google Cloud Trace leaks its trace ids (and baggage such as user or tenant
 * ids) to the provider just the same.
 */
const traceHeaders = new Set([
  "traceparent",
  "tracestate",
  "baggage",
  "b3",
  "uber-trace-id",
  "sentry-trace",
  "x-amzn-trace-id",
  "x-cloud-trace-context",
  "grpc-trace-bin",
  "elastic-apm-traceparent",
  "newrelic",
]);
const traceHeaderPrefixes = ["x-b3-", "uberctx-", "x-datadog-", "ot-tracer-", "ot-baggage-", "x-instana-"];

function isTraceHeader(name: string): boolean {
  if (traceHeaders.has(name)) return true;
  for (const prefix of traceHeaderPrefixes) if (name.startsWith(prefix)) return true;
  return false;
}

/** Removes the app's trace context headers (all systems') in place; returns the `traceparent` it had. */
export function removeAppTraceHeaders(headers: IncomingHttpHeaders): string | string[] | undefined {
  const traceparent = headers.traceparent;
  // One pass over the request's few headers, not a lookup per known name.
  for (const name in headers) if (isTraceHeader(name)) delete headers[name];
  return traceparent;
}

/** Removes the app's trace headers from the inbound request so they are not forwarded to the provider. */
export function detachTraceHeaders(exchange: Exchange): void {
  const traceparent = removeAppTraceHeaders(exchange.request.headers);
  if (traceparent !== undefined) detached.set(exchange, traceparent);
}

/** The trace id the app sent, whether or not the header was forwarded. */
export function incomingTraceId(exchange: Exchange): string | undefined {
  return parseTraceparent(detached.get(exchange) ?? exchange.request.headers.traceparent)?.traceId;
}
