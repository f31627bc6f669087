// The mirror of StandardEventDecoder: standard events in, a dialect's stream bytes out, incrementally.
import type { StandardStreamEvent } from "./standard-event.ts";

export interface StandardEventEncoder {
  /** Bytes for this event (none when the dialect has nothing to say yet). */
  push(event: StandardStreamEvent): Uint8Array[];
  /** Bytes that close the stream; an error event when it ended before `response-end`, never a fake finish. */
  end(): Uint8Array[];
}

/** Clock and id source, injected so tests get stable output. */
export interface EncoderEnvironment {
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Random suffix for ids the encoder must invent (the upstream gave none). */
  readonly randomId?: () => string;
}
