// Standard events → `application/x-ndjson`: one JSON object per line, the format the NDJSON decoder reads back.
import type { StandardStreamEvent } from "./standard-event.ts";
import type { StandardEventEncoder } from "./standard-event-encoder.ts";

const encoder = new TextEncoder();

export function encodeStandardEventNdjson(event: StandardStreamEvent): Uint8Array {
  return encoder.encode(`${JSON.stringify(event)}\n`);
}

class NdjsonEventEncoder implements StandardEventEncoder {
  #closed = false;

  push(event: StandardStreamEvent): Uint8Array[] {
    if (this.#closed) return [];
    if (event.type === "response-end" || event.type === "error") this.#closed = true;
    return [encodeStandardEventNdjson(event)];
  }

  end(): Uint8Array[] {
    if (this.#closed) return [];
    this.#closed = true;
    // Never a stream that looks complete when it is not.
    return [
      encodeStandardEventNdjson({
        type: "error",
        errorType: "incomplete_stream",
        message: "The upstream stream ended before its end.",
      }),
    ];
  }
}

export function createNdjsonEventEncoder(): StandardEventEncoder {
  return new NdjsonEventEncoder();
}
