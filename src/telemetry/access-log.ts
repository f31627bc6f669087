// The access log: one JSON line per finished request — provider, model, status, attempts, timings, tokens, trace id.
import type { Logger } from "pino";
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

/**
 * Built only from the exchange's observation and timings — never from headers or bodies — so no key,
 * token or prompt text can reach a line. That allowlist is the guard here: the process logger's path
 * redaction (wildcards over headers) cost a tenth of the proxy's CPU per request in bench/, for fields
 * this line never has, so the access lines go through a child logger without it.
 */
export function createAccessLog(
  options: AccessLogOptions,
): (exchange: Exchange, status: number, completed: boolean) => void {
  const { tracer } = options;
  const logger = options.logger.child({}, { redact: { paths: [] } });
  return (exchange, status, completed) => {
    if (!logger.isLevelEnabled("info")) return;
    const { observed, timings, request } = exchange;
    const line: Record<string, unknown> = {
      exchange: exchange.id,
      method: request.method,
      path: request.path,
      door: request.door,
      provider: observed.answeredBy ?? exchange.route?.provider.id,
      model: observed.requestModel,
      responseModel: observed.responseModel,
      stream: observed.stream,
      status,
      outcome: !completed
        ? "aborted"
        : observed.errorType === undefined && status < 400
          ? "success"
          : "error",
      errorType: observed.errorType,
      // No upstream request was sent (rejected, or failed before sending): zero attempts.
      attempts: timings.requestSent === undefined ? 0 : exchange.attempt,
      ttfbMs: elapsed(timings.requestSent, timings.firstByte),
      firstTokenMs: elapsed(timings.start, timings.firstToken),
      durationMs: elapsed(timings.start, timings.end),
      inputTokens: observed.usage.inputTokens,
      outputTokens: observed.usage.outputTokens,
      cacheReadTokens: observed.usage.cacheReadTokens,
      cacheWriteTokens: observed.usage.cacheWriteTokens,
      finishReason: observed.rawFinishReason ?? observed.finishReason,
      keyId: exchange.credential?.keyId ?? observed.keyId,
      traceId: tracer?.traceId(exchange) ?? incomingTraceId(exchange),
    };
    logger.info(line, "request");
  };
}
