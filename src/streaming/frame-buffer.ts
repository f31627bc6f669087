// Bytes queued for binary framing (protobuf, eventstream): each byte is copied at most twice, whatever the chunking.

export class FrameBuffer {
  #chunks: Uint8Array[] = [];
  /** The first chunk not fully consumed (an index, so consuming never shifts the array). */
  #head = 0;
  /** Bytes of `#chunks[#head]` already consumed. */
  #offset = 0;
  #available = 0;

  get available(): number {
    return this.#available;
  }

  /** Keeps a copy: the caller may reuse its buffer once push returns. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk.slice());
    this.#available += chunk.length;
  }

  /** The next `length` bytes without consuming them (length ≤ available). */
  peek(length: number): Uint8Array {
    const first = this.#chunks[this.#head];
    if (first !== undefined && first.length - this.#offset >= length) {
      return first.subarray(this.#offset, this.#offset + length);
    }
    const result = new Uint8Array(length);
    let filled = 0;
    let offset = this.#offset;
    for (let index = this.#head; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index]!;
      const piece = chunk.subarray(offset, offset + (length - filled));
      result.set(piece, filled);
      filled += piece.length;
      offset = 0;
      if (filled === length) break;
    }
    return result;
  }

  /** Consumes and returns the next `length` bytes (length ≤ available), contiguous. */
  take(length: number): Uint8Array {
    const result = this.peek(length);
    this.#available -= length;
    let remaining = length;
    while (remaining > 0) {
      const first = this.#chunks[this.#head]!;
      const left = first.length - this.#offset;
      if (left > remaining) {
        this.#offset += remaining;
        break;
      }
      remaining -= left;
      this.#head += 1;
      this.#offset = 0;
    }
    if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return result;
  }
}
