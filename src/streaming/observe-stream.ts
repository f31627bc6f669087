// What a decoder has read of an upstream stream so far, and the read up to its first event (the retry boundary).
import { performance } from "node:perf_hooks";
import type { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import type { LiveStreams } from "./live-streams.ts";
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
  /** Where an event stream registers while it is read, so a shutdown can end it with an error event. */
  readonly live?: LiveStreams;
}

export function recordAll(exchange: Exchange, progress: StreamProgress, events: StandardStreamEvent[]): void {
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
