// What a wire protocol gives the framing decoders: a per-stream event reader and body converters.
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardResponse } from "../schema/standard-response.ts";

export type StandardErrorEvent = Extract<StandardStreamEvent, { type: "error" }>;

/** Error types the decoders themselves report (providers' own types pass through unchanged). */
export const decoderErrorTypes = {
  /** A payload that is not the JSON the protocol promises. */
  invalidData: "invalid_stream_data",
  /** The stream contradicts itself (a second message starting inside the first). */
  invalidResponse: "invalid_response",
  /** The stream ended before its terminal event: what encoders write; decoders invent no such error. */
  incomplete: "incomplete_stream",
  /** Binary framing (eventstream, protobuf) that cannot be read; nothing after it can be trusted. */
  framing: "invalid_framing",
} as const;

/** Reads one response's dialect events in order; one reader per stream. Never throws. */
export interface DialectStreamReader {
  /** One SSE event: its `event:` name (`message` when absent) and its data. */
  readSse(event: string, data: string): StandardStreamEvent[];
  /** One event already parsed from another framing (an eventstream payload). */
  readEvent(payload: unknown): StandardStreamEvent[];
  /** The bytes ended: finishes a stream whose finish reason came (the terminal event lost); else nothing. */
  end(): StandardStreamEvent[];
}

export interface StreamDialect {
  createReader(): DialectStreamReader;
  /** A complete non-streaming body as a standard response, or undefined when it is not a response. */
  responseToStandard(body: unknown): StandardResponse | undefined;
  /** A complete non-streaming error body as an error event, or undefined when it is not an error body. */
  errorFromBody(body: unknown): StandardErrorEvent | undefined;
}
