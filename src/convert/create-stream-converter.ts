// The incremental stream converter a pipeline stage pipes an upstream body through: bytes in, client bytes out.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import { joinChunks } from "../streaming/join-chunks.ts";
import { createDialectDecoder, createDialectEncoder, type EncoderOptions } from "./dialect-codecs.ts";

export interface StreamConverterOptions extends EncoderOptions {
  /** The upstream response's content type; picks the decoder (default `text/event-stream`). */
  readonly contentType?: string;
  /** Provider id stamped on standard events (`deepseek`, `anthropic-eu`, …). */
  readonly provider?: string;
  /** Sees every standard event as it is decoded, so telemetry needs no second decoder. */
  readonly onEvent?: (event: StandardStreamEvent) => void;
}

export interface StreamConverter {
  /** Upstream bytes in (any split); client-dialect bytes out (possibly none yet). */
  push(chunk: Uint8Array): Uint8Array[];
  /** The upstream ended: the closing bytes, or an error event when it ended early. */
  end(): Uint8Array[];
}

/**
 * `from` is the upstream's dialect, `to` the client's. Same dialect: the bytes pass unchanged (still
 * decoded for `onEvent` when given). Throws a ProxyError when the content type cannot be decoded.
 */
export function createStreamConverter(
  from: Dialect,
  to: Dialect,
  options: StreamConverterOptions = {},
): StreamConverter {
  const contentType = options.contentType ?? "text/event-stream";
  const decoder = createDialectDecoder(from, contentType, options.provider);
  if (decoder === undefined) {
    throw new ProxyError("upstream_error", `Cannot convert a ${from} response of type ${contentType}.`);
  }
  const onEvent = options.onEvent;
  if (from === to) {
    return {
      push(chunk) {
        if (onEvent !== undefined) for (const event of decoder.push(chunk)) onEvent(event);
        return [chunk];
      },
      end() {
        if (onEvent !== undefined) for (const event of decoder.end()) onEvent(event);
        return [];
      },
    };
  }
  const encoder = createDialectEncoder(to, options);
  const encode = (events: StandardStreamEvent[], out: Uint8Array[] = []): Uint8Array[] => {
    for (const event of events) {
      onEvent?.(event);
      for (const bytes of encoder.push(event)) out.push(bytes);
    }
    return out;
  };
  return {
    // What one upstream read yields goes out as one chunk.
    push: (chunk) => joinChunks(encode(decoder.push(chunk))),
    end: () => {
      const out = encode(decoder.end());
      for (const bytes of encoder.end()) out.push(bytes);
      return joinChunks(out);
    },
  };
}
