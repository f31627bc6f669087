// Standard events → `application/x-protobuf`: outrigger.v1.StreamEvent messages, each varint-length-prefixed.
import type { StandardStreamEvent } from "./standard-event.ts";
import type { StandardEventEncoder } from "./standard-event-encoder.ts";
import type { StandardFinishReason, StandardUsage } from "./standard-usage.ts";

/** Field numbers of `StreamEvent.event` (outrigger/v1/standard.proto), shared with the decoder. */
export const streamEventFields = {
  "response-start": 1,
  "text-delta": 2,
  "reasoning-delta": 3,
  "tool-call-start": 4,
  "tool-call-delta": 5,
  "tool-call-end": 6,
  usage: 7,
  "response-end": 8,
  error: 9,
} as const satisfies Record<StandardStreamEvent["type"], number>;

/** `FinishReason` enum values; 0 is UNSPECIFIED (no finish reason given). */
export const finishReasonNumbers = {
  stop: 1,
  length: 2,
  tool_calls: 3,
  content_filter: 4,
  refusal: 5,
  error: 6,
  other: 7,
} as const satisfies Record<StandardFinishReason, number>;

/** `Usage` field numbers. */
export const usageFields = {
  inputTokens: 1,
  outputTokens: 2,
  cacheReadTokens: 3,
  cacheWriteTokens: 4,
  reasoningTokens: 5,
} as const satisfies Record<keyof StandardUsage, number>;

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const textEncoder = new TextEncoder();

/** A growable byte buffer with the three protobuf writes these messages need. */
class ProtoWriter {
  #bytes = new Uint8Array(64);
  #length = 0;

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  /** Unsigned varint; arithmetic rather than bit operations so values above 2^32 stay exact. */
  varint(value: number): this {
    this.#reserve(10);
    let rest = Math.max(0, Math.floor(value));
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes[this.#length++] = rest;
    return this;
  }

  uint(field: number, value: number): this {
    return this.varint((field << 3) | VARINT).varint(value);
  }

  bytes(field: number, value: Uint8Array): this {
    this.varint((field << 3) | LENGTH_DELIMITED).varint(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

function encodeUsage(usage: StandardUsage): Uint8Array {
  const writer = new ProtoWriter();
  for (const [key, field] of Object.entries(usageFields) as [keyof StandardUsage, number][]) {
    const value = usage[key];
    // Proto3 `optional`: a present zero is written, an absent count is not.
    if (value !== undefined) writer.uint(field, value);
  }
  return writer.finish();
}

function encodeBody(event: StandardStreamEvent): Uint8Array {
  const writer = new ProtoWriter();
  switch (event.type) {
    case "response-start":
      if (event.id !== undefined) writer.string(1, event.id);
      if (event.model !== undefined) writer.string(2, event.model);
      if (event.provider !== undefined) writer.string(3, event.provider);
      if (event.usage !== undefined) writer.bytes(4, encodeUsage(event.usage));
      break;
    case "text-delta":
      writer.uint(1, event.index).string(2, event.text);
      break;
    case "reasoning-delta":
      writer.uint(1, event.index).string(2, event.text);
      if (event.signature !== undefined) writer.string(3, event.signature);
      if (event.redacted !== undefined) writer.string(4, event.redacted);
      break;
    case "tool-call-start":
      writer.uint(1, event.index).string(2, event.id).string(3, event.name);
      break;
    case "tool-call-delta":
      writer.uint(1, event.index).string(2, event.argumentsDelta);
      break;
    case "tool-call-end":
      writer.uint(1, event.index);
      break;
    case "usage":
      writer.bytes(1, encodeUsage(event.usage));
      break;
    case "response-end":
      if (event.finishReason !== undefined) writer.uint(1, finishReasonNumbers[event.finishReason]);
      if (event.rawFinishReason !== undefined) writer.string(2, event.rawFinishReason);
      if (event.usage !== undefined) writer.bytes(3, encodeUsage(event.usage));
      break;
    case "error":
      writer.string(1, event.errorType).string(2, event.message);
      if (event.status !== undefined) writer.uint(3, event.status);
      break;
  }
  return writer.finish();
}

/** One `StreamEvent` message, without the length prefix. */
export function encodeStandardEventMessage(event: StandardStreamEvent): Uint8Array {
  return new ProtoWriter().bytes(streamEventFields[event.type], encodeBody(event)).finish();
}

/** One `StreamEvent` with its varint length prefix: a frame of an `application/x-protobuf` body. */
export function encodeStandardEventProtobuf(event: StandardStreamEvent): Uint8Array {
  const message = encodeStandardEventMessage(event);
  const prefix = new ProtoWriter().varint(message.length).finish();
  const frame = new Uint8Array(prefix.length + message.length);
  frame.set(prefix);
  frame.set(message, prefix.length);
  return frame;
}

class ProtobufEventEncoder implements StandardEventEncoder {
  #closed = false;

  push(event: StandardStreamEvent): Uint8Array[] {
    if (this.#closed) return [];
    if (event.type === "response-end" || event.type === "error") this.#closed = true;
    return [encodeStandardEventProtobuf(event)];
  }

  end(): Uint8Array[] {
    if (this.#closed) return [];
    this.#closed = true;
    return [
      encodeStandardEventProtobuf({
        type: "error",
        errorType: "incomplete_stream",
        message: "The upstream stream ended before its end.",
      }),
    ];
  }
}

export function createProtobufEventEncoder(): StandardEventEncoder {
  return new ProtobufEventEncoder();
}
