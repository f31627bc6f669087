// Renders an upstream answer as standard events (NDJSON or protobuf) for clients that asked for the standard schema.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import { createNdjsonEventEncoder } from "../schema/ndjson-encoder.ts";
import { createProtobufEventEncoder } from "../schema/protobuf-encoder.ts";
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardEventEncoder } from "../schema/standard-event-encoder.ts";
import { joinChunks } from "../streaming/join-chunks.ts";
import { standardResponseToEvents } from "../streaming/response-events.ts";
import { createDialectDecoder, dialectResponseToStandard } from "./dialect-codecs.ts";
import type { StandardEncoding } from "./standard-accept.ts";

function encoderFor(encoding: StandardEncoding): StandardEventEncoder {
  return encoding === "ndjson" ? createNdjsonEventEncoder() : createProtobufEventEncoder();
}

/** An upstream stream → standard events in `encoding`, incrementally. */
export async function* standardStream(
  body: AsyncIterable<Uint8Array>,
  upstream: Dialect,
  contentType: string | undefined,
  encoding: StandardEncoding,
  provider: string,
): AsyncGenerator<Uint8Array> {
  const decoder = createDialectDecoder(upstream, contentType, provider);
  if (decoder === undefined) {
    throw new ProxyError(
      "upstream_error",
      `Cannot read a ${upstream} response of type ${contentType ?? "(none)"}.`,
    );
  }
  const encoder = encoderFor(encoding);
  const encode = (events: readonly StandardStreamEvent[], out: Uint8Array[] = []): Uint8Array[] => {
    for (const event of events) for (const bytes of encoder.push(event)) out.push(bytes);
    return out;
  };
  // What one upstream read yields goes out as one chunk.
  for await (const chunk of body) yield* joinChunks(encode(decoder.push(chunk)));
  const last = encode(decoder.end());
  for (const bytes of encoder.end()) last.push(bytes);
  yield* joinChunks(last);
}

/**
 * A complete upstream JSON response → standard output: NDJSON is one line holding the standard response;
 * protobuf has no response message codec, so it carries the response as its sequence of stream events.
 */
export function standardResponseBody(
  body: Uint8Array,
  upstream: Dialect,
  encoding: StandardEncoding,
  provider: string,
): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (error) {
    throw new ProxyError("upstream_error", "The upstream's response was not JSON.", { cause: error });
  }
  const response = dialectResponseToStandard(upstream, parsed, provider);
  if (response === undefined)
    throw new ProxyError("upstream_error", "The upstream's response was not a chat answer.");
  if (encoding === "ndjson")
    return Buffer.from(`${JSON.stringify({ version: "outrigger.v1", ...response })}\n`);
  const encoder = encoderFor(encoding);
  const chunks = standardResponseToEvents(response).flatMap((event) => encoder.push(event));
  return Buffer.concat([...chunks, ...encoder.end()]);
}
