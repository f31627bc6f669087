// Picks the framing decoder for a response body by its content type; the dialect reads what is framed.
import type { StandardEventDecoder } from "../schema/standard-event.ts";
import { createJsonBodyDecoder } from "./json-body-decoder.ts";
import { createSseStreamDecoder } from "./sse-stream-decoder.ts";
import type { StreamDialect } from "./stream-dialect.ts";

/** The media type alone, lower-cased: `Text/Event-Stream; charset=utf-8` → `text/event-stream`. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** A decoder for the body, or undefined when the content type is not one Outrigger reads. */
export function createStandardDecoder(
  contentType: string | undefined,
  dialect: StreamDialect,
): StandardEventDecoder | undefined {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === "text/event-stream") return createSseStreamDecoder(dialect.createReader());
  if (mediaType === "application/json" || mediaType.endsWith("+json")) return createJsonBodyDecoder(dialect);
  return undefined;
}
