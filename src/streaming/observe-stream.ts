// Passes upstream bytes through unchanged while a decoder reads them into the exchange's observation.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { recordEvent } from "./record-event.ts";

export interface ObserveStreamOptions {
  readonly decoder: StandardEventDecoder;
  /**
   * Bytes that end a stream with an error event in the client's dialect. Absent for bodies that are
   * not event streams (JSON): those cannot carry an error event, so a failure destroys the connection.
   */
  readonly renderStreamError?: (error: ProxyError) => Uint8Array;
}

/**
 * Yields every upstream chunk as it came. When the upstream fails mid-stream, or closes without the
 * dialect's terminal event, an error event follows so the SDK raises instead of returning a
 * truncated answer that looks complete.
 */
export async function* observeStream(
  body: AsyncIterable<Uint8Array>,
  exchange: Exchange,
  options: ObserveStreamOptions,
): AsyncGenerator<Uint8Array> {
  const { decoder } = options;
  let ended = false;
  let failed = false;
  const record = (events: StandardStreamEvent[]): void => {
    if (events.length === 0) return;
    const now = performance.now();
    for (const event of events) {
      if (event.type === "response-end") ended = true;
      if (event.type === "error") failed = true;
      recordEvent(exchange.observed, exchange.timings, event, now);
    }
  };
  try {
    for await (const chunk of body) {
      yield chunk;
      record(decoder.push(chunk));
    }
    record(decoder.end());
  } catch (error) {
    if (exchange.signal.aborted || options.renderStreamError === undefined) throw error;
    exchange.observed.errorType = "upstream_stream_interrupted";
    yield options.renderStreamError(
      new ProxyError("upstream_stream_interrupted", "The upstream connection was cut mid-stream.", {
        cause: error,
      }),
    );
    return;
  }
  if (!ended && !failed && options.renderStreamError !== undefined) {
    exchange.observed.errorType = "upstream_stream_interrupted";
    yield options.renderStreamError(
      new ProxyError("upstream_stream_interrupted", "The upstream closed the stream before it was complete."),
    );
  }
}
