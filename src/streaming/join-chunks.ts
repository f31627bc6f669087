// Byte chunks that are ready at the same moment, joined into one so the client's socket gets one write.

/**
 * An encoder answers one upstream read with a chunk per event (fifty for a typical read of a fast
 * stream); written one by one, each is a chunked-encoding frame and a syscall of its own. Nothing is
 * held back: the chunks exist already, and the join only saves the writes (bench/README.md).
 */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array[] {
  if (chunks.length <= 1) return chunks as Uint8Array[];
  return [Buffer.concat(chunks)];
}
