// `application/x-ndjson` bodies: standard events one JSON per line, or Ollama chat lines; `{"error":…}` anywhere.
import {
  parseStandardStreamEvent,
  type StandardEventDecoder,
  type StandardStreamEvent,
} from "../schema/standard-event.ts";
import { isRecord, parseJson } from "./json-value.ts";
import { LineSplitter } from "./line-splitter.ts";
import { isOllamaLine, OllamaLineReader } from "./ollama-line-reader.ts";
import { decoderErrorTypes } from "./stream-dialect.ts";

class NdjsonDecoder implements StandardEventDecoder {
  readonly #lines = new LineSplitter();
  readonly #ollama = new OllamaLineReader();
  #ended = false;

  push(chunk: Uint8Array): StandardStreamEvent[] {
    return this.#read(this.#lines.push(chunk));
  }

  end(): StandardStreamEvent[] {
    // A stream cut short just has no response-end (see StandardEventDecoder).
    return this.#read(this.#lines.end());
  }

  #read(lines: string[]): StandardStreamEvent[] {
    const events: StandardStreamEvent[] = [];
    for (const line of lines) {
      if (this.#ended || line.trim() === "") continue;
      for (const event of this.#readLine(line)) {
        events.push(event);
        // A line the decoder cannot read is reported and skipped; an error the stream sends ends it.
        const terminal =
          event.type === "error"
            ? event.errorType !== decoderErrorTypes.invalidData
            : event.type === "response-end";
        if (terminal) this.#ended = true;
      }
    }
    return events;
  }

  #readLine(line: string): StandardStreamEvent[] {
    const parsed = parseJson(line);
    const value = parsed?.value;
    if (!isRecord(value)) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "An NDJSON line is not a JSON object.",
        },
      ];
    }
    if (typeof value.type === "string") {
      const event = parseStandardStreamEvent(value);
      if (event !== undefined) return [event];
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: `An NDJSON ${value.type} event is malformed.`,
        },
      ];
    }
    if (value.error !== undefined) {
      const detail = value.error;
      const message =
        typeof detail === "string"
          ? detail
          : isRecord(detail) && typeof detail.message === "string"
            ? detail.message
            : "The NDJSON stream reported an error.";
      const errorType = isRecord(detail) && typeof detail.type === "string" ? detail.type : "api_error";
      return [{ type: "error", errorType, message }];
    }
    if (isOllamaLine(value)) return this.#ollama.read(value);
    return [
      {
        type: "error",
        errorType: decoderErrorTypes.invalidData,
        message: "An NDJSON line is of no known shape.",
      },
    ];
  }
}

export function createNdjsonDecoder(): StandardEventDecoder {
  return new NdjsonDecoder();
}
