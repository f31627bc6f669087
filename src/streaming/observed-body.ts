// The body the client reads: upstream chunks passed through unchanged, each decoded into the observation as it goes by.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { StandardEventDecoder } from "../schema/standard-event.ts";
import { type ObserveStreamOptions, recordAll, type StreamProgress } from "./observe-stream.ts";

const finished: IteratorResult<Uint8Array> = { done: true, value: undefined };

function interrupted(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError("upstream_stream_interrupted", "The upstream connection was cut mid-stream.", {
    cause: error,
  });
}

/**
 * An iterator rather than an async generator: a generator adds its own request queue and resumption
 * per chunk on top of the upstream's promise, which showed per request in bench/. The phases are the
 * generator's were: replayed chunks, then the upstream's, then perhaps one error event, then done.
 */
export class ObservedBody implements AsyncIterableIterator<Uint8Array> {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #exchange: Exchange;
  readonly #decoder: StandardEventDecoder;
  readonly #options: ObserveStreamOptions;
  readonly #progress: StreamProgress;
  readonly #replay: readonly Uint8Array[];
  #replayed = 0;
  #done = false;
  /** Only time spent waiting on the upstream counts: a slow client (backpressure) is not idleness. */
  #reading = false;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Removes this stream from the live set; set while it is read. */
  #leaveLive: (() => void) | undefined;

  constructor(body: AsyncIterable<Uint8Array>, exchange: Exchange, options: ObserveStreamOptions) {
    this.#source = body[Symbol.asyncIterator]();
    this.#exchange = exchange;
    this.#decoder = options.decoder;
    this.#options = options;
    this.#progress = options.progress ?? { ended: false, failed: false, started: false };
    this.#replay = options.replay ?? [];
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#done) return Promise.resolve(finished);
    if (this.#replayed < this.#replay.length) {
      const value = this.#replay[this.#replayed++]!;
      return Promise.resolve({ done: false, value });
    }
    if (this.#idleTimer === undefined) this.#startReading();
    else this.#idleTimer.refresh();
    this.#reading = true;
    return this.#source.next().then(
      (step) => this.#onStep(step),
      (error: unknown) => this.#onError(error),
    );
  }

  /** The client left (or stopped reading): the upstream body is released. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#done) {
      this.#finish();
      void this.#source.return?.()?.catch(() => {});
    }
    return Promise.resolve(finished);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  #onStep(step: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> {
    this.#reading = false;
    if (step.done !== true) {
      recordAll(this.#exchange, this.#progress, this.#decoder.push(step.value));
      return step;
    }
    this.#finish();
    recordAll(this.#exchange, this.#progress, this.#decoder.end());
    const { ended, failed } = this.#progress;
    if (ended || failed || this.#options.renderStreamError === undefined) return finished;
    // Closed without the dialect's terminal event: an error event, so the SDK raises instead of
    // returning a truncated answer that looks complete.
    return this.#errorEvent(
      new ProxyError("upstream_stream_interrupted", "The upstream closed the stream before it was complete."),
    );
  }

  #onError(error: unknown): IteratorResult<Uint8Array> {
    this.#reading = false;
    this.#finish();
    // Nothing here is retried: the head was sent. A JSON body cannot carry an error event.
    if (this.#exchange.signal.aborted || this.#options.renderStreamError === undefined) throw error;
    return this.#errorEvent(interrupted(error));
  }

  #errorEvent(error: ProxyError): IteratorResult<Uint8Array> {
    this.#exchange.observed.errorType = error.code;
    return { done: false, value: this.#options.renderStreamError!(error) };
  }

  /**
   * At the first read, not before: the idle clock, and the entry in the live streams a shutdown cuts. A body
   * dropped unread (an attempt discarded for a retry or a fallback) must leave neither behind to keep it,
   * its exchange and its request body alive.
   */
  #startReading(): void {
    const { idleTimeout, abort, live } = this.#options;
    // Only a body that can carry an error event is worth cutting through its error path.
    if (
      this.#leaveLive === undefined &&
      live !== undefined &&
      abort !== undefined &&
      this.#options.renderStreamError !== undefined
    )
      this.#leaveLive = live.add(abort);
    if (idleTimeout === undefined || abort === undefined) return;
    // One timer per stream, refreshed per read (no allocation): fires only after a quiet gap.
    this.#idleTimer = setTimeout(() => {
      if (!this.#reading) {
        this.#idleTimer?.refresh();
        return;
      }
      abort(
        new ProxyError(
          "upstream_idle_timeout",
          `The upstream sent nothing for ${idleTimeout} ms mid-stream; the stream was ended.`,
        ),
      );
    }, idleTimeout);
    this.#idleTimer.unref();
  }

  #finish(): void {
    this.#done = true;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#leaveLive?.();
    this.#leaveLive = undefined;
  }
}

/**
 * Yields every upstream chunk as it came. When the upstream fails mid-stream, goes quiet for longer than the
 * idle timeout, or closes without the dialect's terminal event, an error event follows so the SDK raises
 * instead of returning a truncated answer that looks complete. Nothing here is retried: the head was sent.
 */
export function observeStream(
  body: AsyncIterable<Uint8Array>,
  exchange: Exchange,
  options: ObserveStreamOptions,
): AsyncIterableIterator<Uint8Array> {
  return new ObservedBody(body, exchange, options);
}
