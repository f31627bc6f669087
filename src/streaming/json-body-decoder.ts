// `application/json` bodies: collected whole, then read as one response (or error body) of the dialect.
import type { DecoderUse } from "../providers/provider-adapter.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";
import { parseJson } from "./json-value.ts";
import { standardResponseToEvents, standardResponseToObservedEvents } from "./response-events.ts";
import { decoderErrorTypes, type StreamDialect } from "./stream-dialect.ts";

/**
 * A chat answer is far smaller than this; a body beyond it (a batch file, a large embedding set) is
 * passed through unread rather than held, so memory per response stays bounded.
 */
const maxObservedJson = 8 * 1024 * 1024;
/** One decoder for every body: decode() without `stream` keeps no state between calls. */
const utf8 = new TextDecoder();

class JsonBodyDecoder implements StandardEventDecoder {
  readonly #dialect: StreamDialect;
  /** For the observation alone: the answer's start, first content and end, not every part. */
  readonly #observeOnly: boolean;
  /** Chunks are kept as they come and joined once at the end (no repeated copying). */
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(dialect: StreamDialect, observeOnly: boolean) {
    this.#dialect = dialect;
    this.#observeOnly = observeOnly;
  }

  push(chunk: Uint8Array): StandardStreamEvent[] {
    this.#size += chunk.length;
    if (this.#size > maxObservedJson) {
      this.#chunks.length = 0;
      return [];
    }
    // The caller may reuse its buffer once push returns.
    if (chunk.length > 0) this.#chunks.push(chunk.slice());
    return [];
  }

  end(): StandardStreamEvent[] {
    if (this.#size > maxObservedJson) return [];
    // The common answer is one chunk, already a copy of its own.
    const text = utf8.decode(this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks));
    this.#chunks.length = 0;
    const parsed = parseJson(text);
    if (parsed === undefined) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "The response body is not JSON.",
        },
      ];
    }
    const error = this.#dialect.errorFromBody(parsed.value);
    if (error !== undefined) return [error];
    const response = this.#dialect.responseToStandard(parsed.value);
    if (response === undefined) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "The response body is JSON but not a response of this protocol.",
        },
      ];
    }
    return this.#observeOnly
      ? standardResponseToObservedEvents(response)
      : standardResponseToEvents(response);
  }
}

export function createJsonBodyDecoder(dialect: StreamDialect, use: DecoderUse = {}): StandardEventDecoder {
  return new JsonBodyDecoder(dialect, use.observeOnly === true);
}
