// Passes upstream bytes through unchanged while a decoder reads them into the exchange's observation.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { recordEvent } from "./record-event.ts";

/** What the decoded events have said so far; shared by the first-event read and the rest of the stream. */
export interface StreamProgress {
  ended: boolean;
  failed: boolean;
  /** The provider's error type when an error event came before any content (`overloaded_error`). */
  firstError?: string;
  /** True once a content, error or end event has been seen: the retry boundary (DESIGN.md §2). */
  started: boolean;
}

export interface ObserveStreamOptions {
  readonly decoder: StandardEventDecoder;
  /**
   * Bytes that end a stream with an error event in the client's dialect. Absent for bodies that are
   * not event streams (JSON): those cannot carry an error event, so a failure destroys the connection.
   */
  readonly renderStreamError?: (error: ProxyError) => Uint8Array;
  /** Chunks already read and decoded by `readToFirstEvent`: sent first, not decoded again. */
  readonly replay?: readonly Uint8Array[];
  readonly progress?: StreamProgress;
  /** Longest quiet gap (ms) between chunks; keep-alive comments count as traffic. */
  readonly idleTimeout?: number;
  /** Cuts the upstream read (destroys the upstream body) with the given error. */
  readonly abort?: (error: Error) => void;
}

function recordAll(exchange: Exchange, progress: StreamProgress, events: StandardStreamEvent[]): void {
  if (events.length === 0) return;
  const now = performance.now();
  for (const event of events) {
    switch (event.type) {
      case "response-end":
        progress.ended = true;
        progress.started = true;
        break;
      case "error":
        progress.failed = true;
        if (!progress.started) progress.firstError = event.errorType;
        progress.started = true;
        break;
      case "response-start":
      case "usage":
        break;
      default:
        progress.started = true;
    }
    recordEvent(exchange.observed, exchange.timings, event, now);
  }
}

export interface FirstEventRead {
  readonly chunks: Uint8Array[];
  readonly progress: StreamProgress;
  /** The upstream body ended before any content, error or end event. */
  readonly done: boolean;
}

/**
 * Reads (and buffers) the upstream body until the first content, error or end event, so the attempt resolves
 * only then: an error sent as the first event, or a stall before the first token, is still retryable.
 */
export async function readToFirstEvent(
  iterator: AsyncIterator<Uint8Array>,
  exchange: Exchange,
  decoder: StandardEventDecoder,
): Promise<FirstEventRead> {
  const chunks: Uint8Array[] = [];
  const progress: StreamProgress = { ended: false, failed: false, started: false };
  for (;;) {
    const step = await iterator.next();
    if (step.done === true) return { chunks, progress, done: true };
    chunks.push(step.value);
    recordAll(exchange, progress, decoder.push(step.value));
    if (progress.started) return { chunks, progress, done: false };
  }
}

function interrupted(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError("upstream_stream_interrupted", "The upstream connection was cut mid-stream.", {
    cause: error,
  });
}

/**
 * Yields every upstream chunk as it came. When the upstream fails mid-stream, goes quiet for longer than the
 * idle timeout, or closes without the dialect's terminal event, an error event follows so the SDK raises
 * instead of returning a truncated answer that looks complete. Nothing here is retried: the head was sent.
 */
export async function* observeStream(
  body: AsyncIterable<Uint8Array>,
  exchange: Exchange,
  options: ObserveStreamOptions,
): AsyncGenerator<Uint8Array> {
  const { decoder } = options;
  const progress = options.progress ?? { ended: false, failed: false, started: false };
  // One timer per stream, refreshed per chunk (no allocation): fires only after a quiet gap.
  let idleTimer: NodeJS.Timeout | undefined;
  // Only time spent waiting on the upstream counts: a slow client (backpressure at `yield`) is not idleness.
  let reading = false;
  if (options.idleTimeout !== undefined && options.abort !== undefined) {
    const { abort, idleTimeout } = options;
    idleTimer = setTimeout(() => {
      if (!reading) {
        idleTimer?.refresh();
        return;
      }
      abort(
        new ProxyError(
          "upstream_idle_timeout",
          `The upstream sent nothing for ${idleTimeout} ms mid-stream; the stream was ended.`,
        ),
      );
    }, idleTimeout);
    idleTimer.unref();
  }
  const iterator = body[Symbol.asyncIterator]();
  let finished = false;
  try {
    if (options.replay !== undefined) {
      for (const chunk of options.replay) yield chunk;
    }
    for (;;) {
      idleTimer?.refresh();
      reading = true;
      const step = await iterator.next();
      reading = false;
      if (step.done === true) break;
      yield step.value;
      recordAll(exchange, progress, decoder.push(step.value));
    }
    finished = true;
    recordAll(exchange, progress, decoder.end());
  } catch (error) {
    finished = true;
    if (exchange.signal.aborted || options.renderStreamError === undefined) throw error;
    const proxyError = interrupted(error);
    exchange.observed.errorType = proxyError.code;
    yield options.renderStreamError(proxyError);
    return;
  } finally {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    // The client left (the generator was returned early): release the upstream body.
    if (!finished) void iterator.return?.()?.catch(() => {});
  }
  if (!progress.ended && !progress.failed && options.renderStreamError !== undefined) {
    exchange.observed.errorType = "upstream_stream_interrupted";
    yield options.renderStreamError(
      new ProxyError("upstream_stream_interrupted", "The upstream closed the stream before it was complete."),
    );
  }
}
