// Picks the framing decoder for a response body by its content type; the dialect reads what is framed.
import type { DecoderUse } from "../providers/provider-adapter.ts";
import type { StandardEventDecoder } from "../schema/standard-event.ts";
import { createEventStreamDecoder } from "./eventstream-decoder.ts";
import { createJsonBodyDecoder } from "./json-body-decoder.ts";
import { createNdjsonDecoder } from "./ndjson-decoder.ts";
import { createProtobufDecoder } from "./protobuf-decoder.ts";
import { createSseStreamDecoder } from "./sse-stream-decoder.ts";
import type { StreamDialect } from "./stream-dialect.ts";

/** The media type alone, lower-cased: `Text/Event-Stream; charset=utf-8` → `text/event-stream`. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** A whole JSON document (`application/json`, `…+json`), not a stream of events. */
export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/**
 * A decoder for a response body, or undefined when the content type is not one Outrigger reads.
 * SSE, JSON and AWS eventstream carry the dialect's own events; NDJSON and protobuf carry standard
 * events (or Ollama lines), whatever the dialect.
 */
export function createStandardDecoder(
  contentType: string | undefined,
  dialect: StreamDialect,
  use: DecoderUse = {},
): StandardEventDecoder | undefined {
  const mediaType = mediaTypeOf(contentType);
  switch (mediaType) {
    case "text/event-stream":
      return createSseStreamDecoder(dialect.createReader());
    case "application/json":
      return createJsonBodyDecoder(dialect, use);
    case "application/x-ndjson":
    case "application/ndjson":
    case "application/jsonl":
      return createNdjsonDecoder();
    case "application/x-protobuf":
    case "application/protobuf":
      return createProtobufDecoder();
    case "application/vnd.amazon.eventstream":
      return createEventStreamDecoder(dialect.createReader());
    default:
      return mediaType.endsWith("+json") ? createJsonBodyDecoder(dialect, use) : undefined;
  }
}
