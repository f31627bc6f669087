// dispatch: the terminal handler — sends the prepared request through the provider's pool, resolving at the first event.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import { firstHeader } from "../pipeline/header-value.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler } from "../pipeline/stage.ts";
import type { DecoderUse } from "../providers/provider-adapter.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { isJsonMediaType, mediaTypeOf } from "../streaming/decoder-for.ts";
import type { LiveStreams } from "../streaming/live-streams.ts";
import { type FirstEventRead, readToFirstEvent } from "../streaming/observe-stream.ts";
import { observeStream } from "../streaming/observed-body.ts";
import { decoderErrorTypes } from "../streaming/stream-dialect.ts";
import { endToEndHeaders } from "./hop-by-hop.ts";

/** The observation's decoders may leave content deltas after the first undecoded (converters decode in full). */
const observationUse: DecoderUse = { observeOnly: true };

/** Error bodies are read whole (they are small) so the error can be parsed and observed. */
const maxErrorBody = 1024 * 1024;

async function readBounded(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface DispatchOptions {
  /** The sidecar's live event streams, which its shutdown ends with an error event past the grace. */
  readonly live?: LiveStreams;
}

export function createDispatch(options: DispatchOptions = {}): Handler {
  const { live } = options;
  return async function dispatch(exchange: Exchange): Promise<ProxyResponse> {
    const route = exchange.route;
    if (route === undefined) throw new Error("dispatch reached without a route");
    const { adapter, upstream } = route.provider;
    const { timeouts } = route.provider.config.resilience;
    const signal = exchange.attemptSignal ?? exchange.signal;
    exchange.upstream = undefined;
    // The call's error is the last attempt's: a retried 529 must not mark a call that then succeeded.
    delete exchange.observed.errorType;
    const prepared = await adapter.prepare(exchange, exchange.credential);
    exchange.timings.requestSent = performance.now();
    const response = await upstream.request({
      method: prepared.method,
      path: prepared.path,
      headers: prepared.headers,
      body: prepared.body,
      signal,
      // undici bounds the wait for the response head; its HeadersTimeoutError becomes `upstream_timeout`.
      headersTimeout: timeouts.firstByte,
      // undici's clocks start on a socket: this one also bounds a wait for a free pooled connection. It runs
      // to the head (untilFirstEvent's firstToken clock follows), with firstToken's slack for a slow upload.
      headTimeout: timeouts.connect + timeouts.firstByte + timeouts.firstToken,
    });
    exchange.timings.firstByte = performance.now();
    const headers = endToEndHeaders(response.headers);
    const contentType = firstHeader(response.headers, "content-type");

    if (response.status >= 400) {
      const body = await readBounded(response.body, maxErrorBody);
      const error = adapter.parseError(response.status, response.headers, body.toString("utf8"));
      exchange.observed.errorType = error.kind;
      exchange.upstream = { status: response.status, headers: response.headers, errorKind: error.kind };
      if (adapter.renderUpstreamErrors === true) {
        const rendered = adapter.renderError(error);
        delete headers["content-length"];
        delete headers["content-encoding"];
        return {
          status: rendered.status,
          headers: { ...headers, ...rendered.headers },
          body: Buffer.from(rendered.body),
        };
      }
      return { status: response.status, headers, body };
    }

    // An upstream framed unlike the client's dialect (Bedrock eventstream) is rewritten as it streams.
    const translation = adapter.translateResponse?.(contentType);
    const upstreamBody = translation === undefined ? response.body : translation.translate(response.body);
    const clientContentType = translation?.contentType ?? contentType;
    if (translation !== undefined) {
      headers["content-type"] = translation.contentType;
      delete headers["content-length"];
    }
    const decoder = adapter.decoderFor(clientContentType, observationUse);
    if (decoder === undefined) {
      exchange.upstream = { status: response.status, headers: response.headers };
      return { status: response.status, headers, body: upstreamBody };
    }
    const isEventStream = !isJsonMediaType(mediaTypeOf(clientContentType));
    const abort = (error: Error): void => {
      response.body.destroy(error);
    };
    if (!isEventStream) {
      // A JSON body has no first event before its end: the head is its retry boundary.
      exchange.upstream = { status: response.status, headers: response.headers };
      return {
        status: response.status,
        headers,
        body: observeStream(upstreamBody, exchange, {
          decoder: withoutDecoderErrors(decoder),
          idleTimeout: timeouts.idle,
          abort,
        }),
      };
    }
    const iterator = upstreamBody[Symbol.asyncIterator]();
    const first = await untilFirstEvent(iterator, exchange, decoder, signal, abort, timeouts.firstToken);
    exchange.upstream = {
      status: response.status,
      headers: response.headers,
      ...(first.progress.firstError === undefined ? {} : { firstEventError: first.progress.firstError }),
    };
    return {
      status: response.status,
      headers,
      body: observeStream({ [Symbol.asyncIterator]: () => iterator }, exchange, {
        decoder,
        renderStreamError: adapter.renderStreamError,
        replay: first.chunks,
        progress: first.progress,
        idleTimeout: timeouts.idle,
        abort,
        ...(live === undefined ? {} : { live }),
      }),
    };
  };
}

/**
 * A 2xx JSON body that is not a chat answer (embeddings, model lists, files) is passed through unobserved,
 * not counted as an error: only errors the upstream itself wrote are kept.
 */
function withoutDecoderErrors(decoder: StandardEventDecoder): StandardEventDecoder {
  const keep = (events: StandardStreamEvent[]): StandardStreamEvent[] =>
    events.filter((event) => event.type !== "error" || !inventedByDecoder.has(event.errorType));
  return { push: (chunk) => keep(decoder.push(chunk)), end: () => keep(decoder.end()) };
}

const inventedByDecoder = new Set<string>(Object.values(decoderErrorTypes));

/**
 * The retry boundary (DESIGN.md §2): waits for the first content, error or end event, bounded by the
 * firstToken timeout. Keep-alive comments arrive as bytes but no events, so they do not stop this clock.
 */
async function untilFirstEvent(
  iterator: AsyncIterator<Uint8Array>,
  exchange: Exchange,
  decoder: StandardEventDecoder,
  signal: AbortSignal,
  abort: (error: Error) => void,
  firstToken: number,
): Promise<FirstEventRead> {
  const timer = setTimeout(() => {
    abort(
      new ProxyError(
        "upstream_first_token_timeout",
        `The upstream sent no first token within ${firstToken} ms.`,
      ),
    );
  }, firstToken);
  try {
    const first = await readToFirstEvent(iterator, exchange, decoder);
    if (first.done) {
      // Ended before any content, error or end event: nothing reached the client yet, so resend it.
      throw new ProxyError(
        "upstream_connection_reset",
        "The upstream ended the stream before its first event.",
      );
    }
    return first;
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    if (error instanceof ProxyError) throw error;
    // Cut before anything reached the client: still safe to resend.
    throw new ProxyError(
      "upstream_connection_reset",
      "The upstream closed the stream before its first event.",
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}
