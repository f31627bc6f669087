// Incremental Server-Sent Events parser (WHATWG HTML §9.2 "event stream interpretation"): bytes in, messages out.

/**
 * - `event`: a dispatched event. `event` defaults to `message`; `id` is the last event id seen so
 *   far in the stream (it persists across events, as the spec says), `undefined` when none.
 * - `comment`: a `:` line, text after the colon as sent, so keep-alives (`: keep-alive`) are visible.
 * - `retry`: a valid `retry:` field (ASCII digits only), the reconnection time in milliseconds.
 */
export type SseMessage =
  | { type: "event"; event: string; data: string; id: string | undefined }
  | { type: "comment"; text: string }
  | { type: "retry"; milliseconds: number };

const LF = "\n";
const CR = "\r";

/**
 * Splits a byte stream into SSE messages. Linear in the input: each character is scanned once and a
 * line split over many chunks is joined once, when it ends. Never throws on malformed input (invalid
 * UTF-8 becomes U+FFFD as the spec requires).
 *
 * An event not closed by a blank line when the stream ends is dropped, as the spec says
 * ("incomplete events … discarded"); `end()` still flushes a final unterminated line so a trailing
 * comment or field is not lost from the parser's state.
 */
export class SseDecoder {
  // The BOM is stripped here, not by TextDecoder: Node's decoder strips a second BOM when the first
  // one arrives split across chunks.
  readonly #text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  #atStart = true;
  /** Pieces of the current, not yet terminated line. */
  #pendingLine: string[] = [];
  /** The previous chunk ended with CR: an LF starting the next chunk belongs to the same line end. */
  #skipLeadingLf = false;
  #eventType = "";
  #dataLines: string[] = [];
  #lastEventId: string | undefined;

  push(chunk: Uint8Array): SseMessage[] {
    const messages: SseMessage[] = [];
    this.#scan(this.#text.decode(chunk, { stream: true }), messages);
    return messages;
  }

  /** Flushes the decoder. An unterminated last line is processed; an undispatched event is dropped. */
  end(): SseMessage[] {
    const messages: SseMessage[] = [];
    this.#scan(this.#text.decode(), messages);
    if (this.#pendingLine.length > 0) {
      const line = this.#pendingLine.join("");
      this.#pendingLine = [];
      this.#processLine(line, messages);
    }
    this.#eventType = "";
    this.#dataLines = [];
    return messages;
  }

  #scan(text: string, messages: SseMessage[]): void {
    let position = 0;
    if (this.#atStart && text.length > 0) {
      this.#atStart = false;
      if (text.charCodeAt(0) === 0xfeff) position = 1;
    }
    if (this.#skipLeadingLf && text.length > 0) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) position = 1;
    }
    // Next CR / LF positions are cached so each character is searched once per kind.
    let nextLf = text.indexOf(LF, position);
    let nextCr = text.indexOf(CR, position);
    while (nextLf !== -1 || nextCr !== -1) {
      const lineEnd = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextLf, nextCr);
      const piece = text.slice(position, lineEnd);
      let line: string;
      if (this.#pendingLine.length > 0) {
        this.#pendingLine.push(piece);
        line = this.#pendingLine.join("");
        this.#pendingLine = [];
      } else {
        line = piece;
      }
      position = lineEnd + 1;
      if (lineEnd === nextCr) {
        if (position === text.length) this.#skipLeadingLf = true;
        else if (text.charCodeAt(position) === 10) position += 1;
      }
      this.#processLine(line, messages);
      if (nextLf !== -1 && nextLf < position) nextLf = text.indexOf(LF, position);
      if (nextCr !== -1 && nextCr < position) nextCr = text.indexOf(CR, position);
    }
    if (position < text.length) this.#pendingLine.push(text.slice(position));
  }

  #processLine(line: string, messages: SseMessage[]): void {
    if (line.length === 0) {
      this.#dispatch(messages);
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) {
      messages.push({ type: "comment", text: line.slice(1) });
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      const valueStart = line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = line.slice(valueStart);
    }
    switch (field) {
      case "event":
        this.#eventType = value;
        break;
      case "data":
        this.#dataLines.push(value);
        break;
      case "id":
        // The spec ignores an id containing NULL (it could not be sent back in Last-Event-ID).
        if (!value.includes("\u0000")) this.#lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) messages.push({ type: "retry", milliseconds: Number(value) });
        break;
      default:
        // Unknown fields are ignored, as the spec says.
        break;
    }
  }

  #dispatch(messages: SseMessage[]): void {
    if (this.#dataLines.length === 0) {
      // No data field: nothing to dispatch, and the event type does not carry over.
      this.#eventType = "";
      return;
    }
    messages.push({
      type: "event",
      event: this.#eventType === "" ? "message" : this.#eventType,
      data: this.#dataLines.length === 1 ? this.#dataLines[0]! : this.#dataLines.join("\n"),
      id: this.#lastEventId,
    });
    this.#eventType = "";
    this.#dataLines = [];
  }
}
