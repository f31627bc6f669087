// An upstream response body as a lean async iterable fed by undici's dispatch callbacks, with backpressure.
import type { Dispatcher } from "undici";

/** What readers of an upstream body use: iteration, and cutting it short. Node's Readable fits too. */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  /** Stops reading: the upstream request is aborted (with `error`, if given) unless it already ended. */
  destroy(error?: Error): unknown;
}

/** Bytes held unread before undici is asked to stop reading the socket: Node's stream default. */
const highWaterMark = 64 * 1024;

interface Waiting {
  readonly resolve: (step: IteratorResult<Uint8Array>) => void;
  readonly reject: (error: unknown) => void;
}

const finished: IteratorResult<Uint8Array> = { done: true, value: undefined };

/**
 * Node's Readable and its async iterator cost several objects, listeners and promises per response,
 * which showed per request in bench/ (the common answer is one chunk). This holds chunks in an array,
 * answers a read at once when one is there, and pauses undici past the high-water mark.
 */
export class DispatchedBody implements UpstreamBody, AsyncIterator<Uint8Array> {
  readonly #controller: Dispatcher.DispatchController;
  readonly #onDone: () => void;
  #chunks: Uint8Array[] = [];
  #held = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  #waiting: Waiting | undefined;

  constructor(controller: Dispatcher.DispatchController, onDone: () => void) {
    this.#controller = controller;
    this.#onDone = onDone;
  }

  /** From undici: a chunk arrived. */
  push(chunk: Uint8Array): void {
    if (this.#failed) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    if (this.#held > highWaterMark) this.#controller.pause();
  }

  /** From undici: the body is complete. */
  end(): void {
    this.#ended = true;
    this.#onDone();
    const waiting = this.#waiting;
    if (waiting !== undefined && this.#chunks.length === 0) {
      this.#waiting = undefined;
      waiting.resolve(finished);
    }
  }

  /** From undici, or from destroy(): the body broke off; reads from here on reject with `error`. */
  fail(error: unknown): void {
    if (this.#failed || this.#ended) return;
    this.#failed = true;
    this.#error = error;
    this.#chunks = [];
    this.#onDone();
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.reject(error);
    }
  }

  destroy(error?: Error): void {
    if (this.#ended || this.#failed) return;
    const reason = error ?? new Error("response body destroyed");
    if (!this.#controller.aborted) this.#controller.abort(reason);
    this.fail(reason);
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#held -= chunk.length;
      if (this.#controller.paused && this.#held <= highWaterMark) this.#controller.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(finished);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** A reader that stops early (break, a client gone) releases the upstream request. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.destroy();
    return Promise.resolve(finished);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }
}
