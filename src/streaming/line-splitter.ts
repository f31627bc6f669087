// Bytes → UTF-8 lines ended by LF (a CR before the LF dropped), linear however the bytes are chunked.

export class LineSplitter {
  readonly #text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  /** Pieces of the current line, joined once when it ends. */
  #pending: string[] = [];
  #atStart = true;

  push(chunk: Uint8Array): string[] {
    return this.#scan(this.#text.decode(chunk, { stream: true }));
  }

  /** Flushes: a last line without a final LF is still a line. */
  end(): string[] {
    const lines = this.#scan(this.#text.decode());
    if (this.#pending.length > 0) lines.push(stripCr(this.#pending.join("")));
    this.#pending = [];
    return lines;
  }

  #scan(text: string): string[] {
    const lines: string[] = [];
    let position = 0;
    if (this.#atStart && text.length > 0) {
      this.#atStart = false;
      if (text.charCodeAt(0) === 0xfeff) position = 1;
    }
    let lineEnd = text.indexOf("\n", position);
    while (lineEnd !== -1) {
      const piece = text.slice(position, lineEnd);
      if (this.#pending.length > 0) {
        this.#pending.push(piece);
        lines.push(stripCr(this.#pending.join("")));
        this.#pending = [];
      } else {
        lines.push(stripCr(piece));
      }
      position = lineEnd + 1;
      lineEnd = text.indexOf("\n", position);
    }
    if (position < text.length) this.#pending.push(text.slice(position));
    return lines;
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
