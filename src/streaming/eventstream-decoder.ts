// `application/vnd.amazon.eventstream` bodies (Bedrock InvokeModelWithResponseStream): CRC-checked frames whose
// `{"bytes": base64}` payloads carry the provider's own stream events, handed to the dialect reader.

import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { createEventStreamCodec, type EventStreamMessage as Message } from "./eventstream-codec.ts";
import { FrameBuffer } from "./frame-buffer.ts";
import { isRecord, parseJson, stringField } from "./json-value.ts";
import { type DialectStreamReader, decoderErrorTypes } from "./stream-dialect.ts";

/** Prelude (total length, headers length, prelude CRC) plus the trailing message CRC. */
const minimumFrameLength = 16;
/** Bedrock frames are small; a larger total length means the framing is lost. */
const maximumFrameLength = 16 * 1024 * 1024;

function headerText(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === "string" ? header.value : undefined;
}

class EventStreamDecoder implements StandardEventDecoder {
  readonly #codec = createEventStreamCodec();
  readonly #buffer = new FrameBuffer();
  readonly #reader: DialectStreamReader;
  readonly #text = new TextDecoder();
  #frameLength: number | undefined;
  #failed = false;

  constructor(reader: DialectStreamReader) {
    this.#reader = reader;
  }

  push(chunk: Uint8Array): StandardStreamEvent[] {
    if (this.#failed) return [];
    this.#buffer.push(chunk);
    const events: StandardStreamEvent[] = [];
    for (;;) {
      if (this.#frameLength === undefined) {
        if (this.#buffer.available < 4) break;
        const prelude = this.#buffer.peek(4);
        const length = new DataView(prelude.buffer, prelude.byteOffset, 4).getUint32(0);
        if (length < minimumFrameLength || length > maximumFrameLength) {
          events.push(this.#fail(`an eventstream frame claims ${length} bytes`));
          break;
        }
        this.#frameLength = length;
      }
      if (this.#buffer.available < this.#frameLength) break;
      const frame = this.#buffer.take(this.#frameLength);
      this.#frameLength = undefined;
      let message: Message;
      try {
        // Verifies the prelude CRC and the message CRC; throws on a mismatch.
        message = this.#codec.decode(frame);
      } catch (error) {
        events.push(this.#fail(`an eventstream frame failed its checks (${(error as Error).message})`));
        break;
      }
      for (const event of this.#readMessage(message)) events.push(event);
    }
    return events;
  }

  end(): StandardStreamEvent[] {
    // Bytes of a frame cut short are dropped: the stream was cut, which the reader's missing end shows.
    return this.#failed ? [] : this.#reader.end();
  }

  #fail(reason: string): StandardStreamEvent {
    this.#failed = true;
    // Nothing after a bad frame can be trusted: the reader is not asked to finish either.
    return {
      type: "error",
      errorType: decoderErrorTypes.framing,
      message: `Corrupt AWS eventstream: ${reason}.`,
    };
  }

  #readMessage(message: Message): StandardStreamEvent[] {
    const messageType = headerText(message, ":message-type") ?? "event";
    const payload = parseJson(this.#text.decode(message.body));
    if (messageType === "exception" || messageType === "error") {
      this.#failed = true;
      const body = payload !== undefined && isRecord(payload.value) ? payload.value : {};
      return [
        {
          type: "error",
          errorType:
            headerText(message, ":exception-type") ?? headerText(message, ":error-code") ?? "api_error",
          message:
            stringField(body, "message") ??
            headerText(message, ":error-message") ??
            "The eventstream sent an error.",
        },
      ];
    }
    if (payload === undefined) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "An eventstream payload is not JSON.",
        },
      ];
    }
    const wrapped = isRecord(payload.value) ? stringField(payload.value, "bytes") : undefined;
    if (wrapped === undefined) return this.#reader.readEvent(payload.value);
    const inner = parseJson(Buffer.from(wrapped, "base64").toString("utf8"));
    if (inner === undefined) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "An eventstream chunk is not base64 JSON.",
        },
      ];
    }
    return this.#reader.readEvent(inner.value);
  }
}

/** Eventstream framing around a dialect's events (Claude on Bedrock: Anthropic events). */
export function createEventStreamDecoder(reader: DialectStreamReader): StandardEventDecoder {
  return new EventStreamDecoder(reader);
}
