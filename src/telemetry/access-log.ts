// The access log: one JSON line per finished request — provider, model, status, attempts, timings, tokens, trace id.
import pino, { type Logger } from "pino";
import type { Exchange } from "../pipeline/exchange.ts";
import { incomingTraceId } from "./app-trace-headers.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";

export interface AccessLogOptions {
  readonly logger: Logger;
  /** Present when tracing is on: then the line names the exported trace. */
  readonly tracer?: ExchangeTracer;
}

/** Milliseconds with one decimal: enough to read, short to print. */
function elapsed(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : Math.round((to - from) * 10) / 10;
}

/** `,"name":value` for a present field; absent ones are left out, as pino leaves out undefined. */
function text(name: string, value: string | undefined): string {
  return value === undefined ? "" : `,"${name}":${JSON.stringify(value)}`;
}

function number(name: string, value: number | undefined): string {
  return value === undefined ? "" : `,"${name}":${value}`;
}

interface LoggerInternals {
  readonly [pino.symbols.streamSym]: { write(line: string): unknown };
  readonly [pino.symbols.timeSym]: () => string;
  readonly [pino.symbols.chindingsSym]: string;
}

/**
 * Built only from the exchange's observation and timings — never from headers or bodies — so no key,
 * token or prompt text can reach a line. The line is pino's (level, time, the logger's bindings, the
 * fields, msg) written to the logger's own destination, but spelled out here: pino's generic serializer
 * and redaction cost several times more per request in bench/, for an allowlist that needs neither.
 */
export function createAccessLog(
  options: AccessLogOptions,
): (exchange: Exchange, status: number, completed: boolean) => void {
  const { tracer, logger } = options;
  const internals = logger as unknown as LoggerInternals;
  const destination = internals[pino.symbols.streamSym];
  const level = logger.levels.values.info;
  return (exchange, status, completed) => {
    if (!logger.isLevelEnabled("info")) return;
    const { observed, timings, request } = exchange;
    const { usage } = observed;
    const outcome = !completed
      ? "aborted"
      : observed.errorType === undefined && status < 400
        ? "success"
        : "error";
    // No upstream request was sent (rejected, or failed before sending): zero attempts.
    const attempts = timings.requestSent === undefined ? 0 : exchange.attempt;
    const line =
      `{"level":${level}${internals[pino.symbols.timeSym]()}${internals[pino.symbols.chindingsSym]}` +
      text("exchange", exchange.id) +
      text("method", request.method) +
      text("path", request.path) +
      text("door", request.door) +
      text("provider", observed.answeredBy ?? exchange.route?.provider.id) +
      text("model", observed.requestModel) +
      text("responseModel", observed.responseModel) +
      (observed.stream === undefined ? "" : `,"stream":${observed.stream}`) +
      number("status", status) +
      text("outcome", outcome) +
      text("errorType", observed.errorType) +
      number("attempts", attempts) +
      number("ttfbMs", elapsed(timings.requestSent, timings.firstByte)) +
      number("firstTokenMs", elapsed(timings.start, timings.firstToken)) +
      number("durationMs", elapsed(timings.start, timings.end)) +
      number("inputTokens", usage.inputTokens) +
      number("outputTokens", usage.outputTokens) +
      number("cacheReadTokens", usage.cacheReadTokens) +
      number("cacheWriteTokens", usage.cacheWriteTokens) +
      text("finishReason", observed.rawFinishReason ?? observed.finishReason) +
      text("keyId", exchange.credential?.keyId ?? observed.keyId) +
      text("traceId", tracer?.traceId(exchange) ?? incomingTraceId(exchange)) +
      `,"msg":"request"}\n`;
    destination.write(line);
  };
}
