// Builds each call's span tree — server → `chat {model}` (or `embeddings {model}`) → one HTTP span per attempt → `ttfb`.
import { performance } from "node:perf_hooks";
import { type Attributes, createTraceState, type SpanContext, SpanKind } from "@opentelemetry/api";
import type { IdGenerator, Sampler } from "@opentelemetry/sdk-trace-base";
import type { Exchange, Observation } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import { chatOutcomeAttributes } from "./chat-attributes.ts";
import { captureCompletion } from "./completion-capture.ts";
import type { ExchangeTracer } from "./exchange-tracer.ts";
import { cachedServerOf, genAiProviderName } from "./genai-attributes.ts";
import { inputMessagesAttributes } from "./message-content.ts";
import type { RecordedSpan, SpanSink } from "./recorded-span.ts";
import { createSpanStarter } from "./span-starter.ts";
import { formatTraceparent, parseTraceparent } from "./trace-context.ts";

export interface SpanRecorderOptions {
  /** Where ended spans go (the batch processor), with the resource, scope and limits they carry. */
  readonly sink: SpanSink;
  /** Decides each new trace (or follows the app's `traceparent`), once per call: its spans share the verdict. */
  readonly sampler: Sampler;
  readonly idGenerator: IdGenerator;
  /** Record prompt text on the chat span (`gen_ai.input.messages`). */
  readonly captureContent: boolean;
  /** Send each attempt's own `traceparent` upstream (the app's trace headers are removed either way). */
  readonly propagateUpstream: boolean;
}

interface OpenAttempt {
  readonly span: RecordedSpan;
  readonly started: number;
}

interface ExchangeSpans {
  readonly server: RecordedSpan;
  /** HTTP requests sent so far: retries, fallbacks and a pooled key's resend after a 401/403 alike. */
  sends: number;
  chat?: RecordedSpan;
  open?: OpenAttempt;
  /** With content capture: the completion text of the latest attempt, read as its body passed. */
  output?: () => string | undefined;
}

/** Epoch milliseconds for a performance.now() reading: one call's spans and events stay on one clock. */
function epoch(monotonic: number): number {
  return performance.timeOrigin + monotonic;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

/** The error type of a thrown failure: a ProxyError's code, else the error's class name. */
function thrownErrorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : "_OTHER";
}

function markError(span: RecordedSpan, errorType: string): void {
  span.setAttribute("error.type", errorType);
  span.setError(errorType);
}

export function createSpanRecorder(options: SpanRecorderOptions): ExchangeTracer {
  const starter = createSpanStarter(options.sink, options.sampler, options.idGenerator);
  /** `start` is a performance.now() reading, like every timing on the exchange. */
  const startChild = (
    parent: RecordedSpan,
    name: string,
    kind: SpanKind,
    start: number,
    attributes: Attributes,
  ): RecordedSpan => starter.child(parent, name, kind, epoch(start), attributes);

  // Keyed by the observation, which a fallback's copy of the exchange shares with the original: its
  // attempts then land under the same chat span.
  const spans = new WeakMap<Observation, ExchangeSpans>();
  // Outlives `spans` (which finish clears) so the access log, written after finish, can name the trace.
  const traceIds = new WeakMap<Observation, string>();

  const endAttempt = (record: ExchangeSpans, attempt: OpenAttempt, end: number): void => {
    if (record.open === attempt) delete record.open;
    attempt.span.end(epoch(end));
  };

  /** The head is in (or the attempt failed): status, `ttfb` child and `first_byte` event, when this attempt timed them. */
  const recordHead = (exchange: Exchange, attempt: OpenAttempt, status: number | undefined): void => {
    const { span, started } = attempt;
    const { requestSent, firstByte } = exchange.timings;
    if (
      requestSent !== undefined &&
      requestSent >= started &&
      firstByte !== undefined &&
      firstByte >= requestSent
    ) {
      startChild(span, "ttfb", SpanKind.INTERNAL, requestSent, {}).end(epoch(firstByte));
      span.addEvent("first_byte", epoch(firstByte));
    }
    if (status === undefined) return;
    span.setAttribute("http.response.status_code", status);
    if (status >= 400) markError(span, exchange.observed.errorType ?? String(status));
  };

  return {
    begin(exchange) {
      const { request } = exchange;
      const incoming = parseTraceparent(request.headers.traceparent);
      let parent: SpanContext | undefined;
      if (incoming !== undefined) {
        const traceState = headerText(request.headers.tracestate);
        parent = {
          ...incoming,
          isRemote: true,
          ...(traceState === undefined ? {} : { traceState: createTraceState(traceState) }),
        };
      }
      const attributes: Attributes = {
        "http.request.method": request.method,
        "url.path": request.path,
        "url.scheme": request.door === "proxy" ? "http" : "https",
        "outrigger.door": request.door,
      };
      const userAgent = headerText(request.headers["user-agent"]);
      if (userAgent !== undefined) attributes["user_agent.original"] = userAgent;
      const server = starter.root(
        `${request.method} ${request.path}`,
        SpanKind.SERVER,
        epoch(exchange.timings.start),
        attributes,
        parent,
      );
      spans.set(exchange.observed, { server, sends: 0 });
      traceIds.set(exchange.observed, server.spanContext().traceId);
    },

    beginOperation(exchange) {
      const record = spans.get(exchange.observed);
      const route = exchange.route;
      const operation = exchange.observed.operation;
      // A model list or a file upload is no GenAI operation: its attempts hang off the server span.
      if (record === undefined || record.chat !== undefined || route === undefined || operation === undefined)
        return;
      const model = exchange.observed.requestModel;
      const base = cachedServerOf(route.provider.config.baseUrl);
      const attributes: Attributes = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": genAiProviderName(route.provider),
        "server.address": base.address,
        "server.port": base.port,
        "outrigger.provider": route.provider.id,
      };
      if (model !== undefined) attributes["gen_ai.request.model"] = model;
      if (exchange.observed.stream !== undefined)
        attributes["gen_ai.request.stream"] = exchange.observed.stream;
      // A call that was not sampled records nothing: its prompt is not even read.
      if (options.captureContent && record.server.recording)
        Object.assign(attributes, inputMessagesAttributes(exchange.request.body));
      record.chat = startChild(
        record.server,
        model === undefined ? operation : `${operation} ${model}`,
        SpanKind.CLIENT,
        performance.now(),
        attributes,
      );
    },

    async attempt(exchange, send): Promise<ProxyResponse> {
      const record = spans.get(exchange.observed);
      const route = exchange.route;
      if (record === undefined || route === undefined) return send();
      const started = performance.now();
      // A new attempt means the previous one is over, even if its (discarded) body never finished.
      if (record.open !== undefined) endAttempt(record, record.open, started);
      const upstream = route.provider.upstream;
      const origin = cachedServerOf(upstream.origin);
      const path = route.upstreamPath.split("?", 1)[0] ?? "";
      const attributes: Attributes = {
        "http.request.method": exchange.request.method,
        "server.address": origin.address,
        "server.port": origin.port,
        "url.full": `${upstream.origin}${upstream.basePath}${path}`,
        "outrigger.provider": route.provider.id,
        "outrigger.attempt": exchange.attempt,
      };
      // The conventions count a resend for any reason, so this is not exchange.attempt (retries only).
      if (record.sends > 0) attributes["http.request.resend_count"] = record.sends;
      record.sends += 1;
      const keyId = exchange.credential?.keyId;
      if (keyId !== undefined) attributes["outrigger.key_id"] = keyId;
      const span = startChild(
        record.chat ?? record.server,
        exchange.request.method,
        SpanKind.CLIENT,
        started,
        attributes,
      );
      const attempt: OpenAttempt = { span, started };
      record.open = attempt;
      if (options.propagateUpstream)
        exchange.request.headers.traceparent = formatTraceparent(span.spanContext());
      try {
        let response = await send();
        recordHead(exchange, attempt, response.status);
        if (options.captureContent && span.recording && response.status < 400) {
          const contentType = response.headers["content-type"];
          const decoder = route.provider.adapter.decoderFor(
            typeof contentType === "string" ? contentType : undefined,
          );
          const capture = captureCompletion(response, decoder);
          record.output = capture.outputMessages;
          response = capture.response;
        }
        // A fixed body is complete already; a stream's attempt lasts until the body ends (finish).
        if (response.body instanceof Uint8Array) endAttempt(record, attempt, performance.now());
        return response;
      } catch (error) {
        recordHead(exchange, attempt, undefined);
        markError(span, thrownErrorType(error));
        endAttempt(record, attempt, performance.now());
        throw error;
      }
    },

    finish(exchange, status, completed) {
      const record = spans.get(exchange.observed);
      if (record === undefined) return;
      spans.delete(exchange.observed);
      const { observed, timings } = exchange;
      const end = timings.end ?? performance.now();
      const firstToken = timings.firstToken;
      const open = record.open;
      if (open !== undefined) {
        if (firstToken !== undefined && firstToken >= open.started)
          open.span.addEvent("first_token", epoch(firstToken));
        if (observed.errorType !== undefined && status < 400) markError(open.span, observed.errorType);
        endAttempt(record, open, end);
      }
      const chat = record.chat;
      if (chat?.recording === true) {
        const model = observed.requestModel ?? observed.responseModel;
        if (model !== undefined) chat.updateName(`${observed.operation ?? "chat"} ${model}`);
        const attributes = chatOutcomeAttributes(exchange);
        const output = record.output?.();
        if (output !== undefined) attributes["gen_ai.output.messages"] = output;
        if (firstToken !== undefined) chat.addEvent("first_token", epoch(firstToken));
        if (timings.firstByte !== undefined) chat.addEvent("first_byte", epoch(timings.firstByte));
        chat.setAttributes(attributes);
        const errorType = observed.errorType ?? (status >= 400 ? String(status) : undefined);
        if (errorType !== undefined) markError(chat, errorType);
        chat.end(epoch(end));
      }
      const { server } = record;
      server.setAttribute("http.response.status_code", status);
      if (!completed) server.setAttribute("outrigger.aborted", true);
      if (status >= 500) markError(server, observed.errorType ?? String(status));
      server.end(epoch(end));
    },

    traceId: (exchange) => traceIds.get(exchange.observed),
  };
}
