// `application/x-protobuf` bodies: varint-length-delimited outrigger.v1.StreamEvent messages → standard events.
import { finishReasonNumbers, streamEventFields, usageFields } from "../schema/protobuf-encoder.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardFinishReason, StandardUsage } from "../schema/standard-usage.ts";
import { FrameBuffer } from "./frame-buffer.ts";
import { decoderErrorTypes } from "./stream-dialect.ts";

/** No standard event comes near this; a larger length means the framing is lost. */
const maxMessageLength = 64 * 1024 * 1024;

const eventTypeByField = new Map<number, StandardStreamEvent["type"]>(
  Object.entries(streamEventFields).map(([type, field]) => [field, type as StandardStreamEvent["type"]]),
);
const finishReasonByNumber = new Map<number, StandardFinishReason>(
  Object.entries(finishReasonNumbers).map(([reason, value]) => [value, reason as StandardFinishReason]),
);
const usageKeyByField = new Map<number, keyof StandardUsage>(
  Object.entries(usageFields).map(([key, field]) => [field, key as keyof StandardUsage]),
);

class MalformedMessage extends Error {}

/** Reads a varint at `position`: [value, next position], or undefined when the bytes end first. */
function readVarint(bytes: Uint8Array, position: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let index = position; index < bytes.length && index < position + 10; index++) {
    const byte = bytes[index]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, index + 1];
    scale *= 0x80;
  }
  if (bytes.length - position >= 10) throw new MalformedMessage("a varint longer than 10 bytes");
  return undefined;
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Fields of one message: numbers for varints, byte arrays for length-delimited; others skipped. */
function readFields(bytes: Uint8Array): Map<number, number | Uint8Array> {
  const fields = new Map<number, number | Uint8Array>();
  let position = 0;
  while (position < bytes.length) {
    const tag = readVarint(bytes, position);
    if (tag === undefined) throw new MalformedMessage("a truncated tag");
    position = tag[1];
    const field = Math.floor(tag[0] / 8);
    const wireType = tag[0] % 8;
    if (wireType === 0) {
      const value = readVarint(bytes, position);
      if (value === undefined) throw new MalformedMessage("a truncated varint");
      fields.set(field, value[0]);
      position = value[1];
    } else if (wireType === 2) {
      const length = readVarint(bytes, position);
      if (length === undefined || length[1] + length[0] > bytes.length) {
        throw new MalformedMessage("a truncated field");
      }
      fields.set(field, bytes.subarray(length[1], length[1] + length[0]));
      position = length[1] + length[0];
    } else if (wireType === 1 || wireType === 5) {
      // Fixed 64/32-bit fields are not in this schema; skipped for forward compatibility.
      position += wireType === 1 ? 8 : 4;
    } else {
      throw new MalformedMessage(`wire type ${wireType}`);
    }
  }
  if (position > bytes.length) throw new MalformedMessage("a truncated fixed field");
  return fields;
}

function text(fields: Map<number, number | Uint8Array>, field: number): string | undefined {
  const value = fields.get(field);
  return value instanceof Uint8Array ? textDecoder.decode(value) : undefined;
}

function uint(fields: Map<number, number | Uint8Array>, field: number): number {
  const value = fields.get(field);
  return typeof value === "number" ? value : 0;
}

function usageOf(fields: Map<number, number | Uint8Array>, field: number): StandardUsage | undefined {
  const value = fields.get(field);
  if (!(value instanceof Uint8Array)) return undefined;
  const usage: StandardUsage = {};
  for (const [number, count] of readFields(value)) {
    const key = usageKeyByField.get(number);
    if (key !== undefined && typeof count === "number") usage[key] = count;
  }
  return usage;
}

/** One `StreamEvent` message (no length prefix) → a standard event; undefined for an unknown kind; throws on bad bytes. */
function decodeStandardEventMessage(message: Uint8Array): StandardStreamEvent | undefined {
  const outer = readFields(message);
  for (const [field, value] of outer) {
    const type = eventTypeByField.get(field);
    if (type === undefined || !(value instanceof Uint8Array)) continue;
    const body = readFields(value);
    const index = uint(body, 1);
    switch (type) {
      case "response-start": {
        const event: StandardStreamEvent = { type };
        const id = text(body, 1);
        const model = text(body, 2);
        const provider = text(body, 3);
        const usage = usageOf(body, 4);
        if (id !== undefined) event.id = id;
        if (model !== undefined) event.model = model;
        if (provider !== undefined) event.provider = provider;
        if (usage !== undefined) event.usage = usage;
        return event;
      }
      case "text-delta":
        return { type, index, text: text(body, 2) ?? "" };
      case "reasoning-delta": {
        const event: StandardStreamEvent = { type, index, text: text(body, 2) ?? "" };
        const signature = text(body, 3);
        const redacted = text(body, 4);
        if (signature !== undefined) event.signature = signature;
        if (redacted !== undefined) event.redacted = redacted;
        return event;
      }
      case "tool-call-start":
        return { type, index, id: text(body, 2) ?? "", name: text(body, 3) ?? "" };
      case "tool-call-delta":
        return { type, index, argumentsDelta: text(body, 2) ?? "" };
      case "tool-call-end":
        return { type, index };
      case "usage":
        return { type, usage: usageOf(body, 1) ?? {} };
      case "response-end": {
        const event: StandardStreamEvent = { type };
        const finishReason = finishReasonByNumber.get(uint(body, 1));
        const raw = text(body, 2);
        const usage = usageOf(body, 3);
        if (finishReason !== undefined) event.finishReason = finishReason;
        if (raw !== undefined) event.rawFinishReason = raw;
        if (usage !== undefined) event.usage = usage;
        return event;
      }
      case "error": {
        const event: StandardStreamEvent = {
          type,
          errorType: text(body, 1) ?? "",
          message: text(body, 2) ?? "",
        };
        if (body.has(3)) event.status = uint(body, 3);
        return event;
      }
    }
  }
  return undefined;
}

class ProtobufDecoder implements StandardEventDecoder {
  readonly #buffer = new FrameBuffer();
  /** Header and message length of the frame being collected, once its prefix is complete. */
  #frame: { header: number; length: number } | undefined;
  #failed = false;
  #ended = false;

  push(chunk: Uint8Array): StandardStreamEvent[] {
    if (this.#failed) return [];
    this.#buffer.push(chunk);
    const events: StandardStreamEvent[] = [];
    try {
      for (;;) {
        if (this.#frame === undefined) {
          const prefix = readVarint(this.#buffer.peek(Math.min(10, this.#buffer.available)), 0);
          if (prefix === undefined) break;
          if (prefix[0] > maxMessageLength) throw new MalformedMessage(`a ${prefix[0]}-byte message`);
          this.#frame = { header: prefix[1], length: prefix[0] };
        }
        if (this.#buffer.available < this.#frame.header + this.#frame.length) break;
        const frame = this.#buffer.take(this.#frame.header + this.#frame.length);
        const event = decodeStandardEventMessage(frame.subarray(this.#frame.header));
        this.#frame = undefined;
        // Unknown kinds are skipped: a newer producer may add events.
        if (event === undefined || this.#ended) continue;
        if (event.type === "response-end" || event.type === "error") this.#ended = true;
        events.push(event);
      }
    } catch (error) {
      events.push(this.#fail(`The protobuf stream is malformed: ${(error as Error).message}.`));
    }
    return events;
  }

  /** A stream cut short, even inside a message, just has no response-end (see StandardEventDecoder). */
  end(): StandardStreamEvent[] {
    return [];
  }

  #fail(message: string): StandardStreamEvent {
    this.#failed = true;
    return { type: "error", errorType: decoderErrorTypes.framing, message };
  }
}

export function createProtobufDecoder(): StandardEventDecoder {
  return new ProtobufDecoder();
}
