// SSE framing + a dialect reader = a standard event decoder for `text/event-stream` bodies.
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { SseDecoder, type SseMessage } from "./sse-decoder.ts";
import type { DialectStreamReader } from "./stream-dialect.ts";

class SseStreamDecoder implements StandardEventDecoder {
  readonly #sse = new SseDecoder();
  readonly #reader: DialectStreamReader;

  constructor(reader: DialectStreamReader) {
    this.#reader = reader;
  }

  push(chunk: Uint8Array): StandardStreamEvent[] {
    return this.#read(this.#sse.push(chunk));
  }

  end(): StandardStreamEvent[] {
    const events = this.#read(this.#sse.end());
    for (const event of this.#reader.end()) events.push(event);
    return events;
  }

  #read(messages: SseMessage[]): StandardStreamEvent[] {
    const events: StandardStreamEvent[] = [];
    for (const message of messages) {
      // Comments (keep-alives) and retry hints are framing, not content.
      if (message.type !== "event") continue;
      for (const event of this.#reader.readSse(message.event, message.data)) events.push(event);
    }
    return events;
  }
}

export function createSseStreamDecoder(reader: DialectStreamReader): StandardEventDecoder {
  return new SseStreamDecoder(reader);
}
