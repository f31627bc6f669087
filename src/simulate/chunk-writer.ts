// Writes a response body chunk by chunk with backpressure, pacing and scripted cuts, stopping when the client leaves.
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** Resolves after `ms`, or early (without throwing) when `signal` aborts; `undefined` waits for the abort only. */
export async function pause(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (ms === undefined) {
    await once(signal, "abort");
    return;
  }
  if (ms <= 0) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** Writes one chunk and waits for the socket to take it when its buffer is full. */
export async function writeChunk(
  response: ServerResponse,
  chunk: Buffer | string,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  if (response.write(chunk)) return;
  await once(response, "drain", { signal }).catch(() => undefined);
}

/** Waits until everything written has left for the kernel, then destroys the socket mid-response. */
export async function cutConnection(response: ServerResponse, signal: AbortSignal): Promise<void> {
  const socket = response.socket;
  if (socket === null) return;
  // `headersSent` turns true at writeHead, before the head is on the wire; flushing twice adds no bytes.
  response.flushHeaders();
  // Writes complete in order, so an empty write's callback means everything before it reached the kernel.
  const flushed = new Promise<void>((resolve) => socket.write(Buffer.alloc(0), () => resolve()));
  await Promise.race([flushed, once(signal, "abort")]);
  socket.destroy();
}

export interface ChunkWriteOptions {
  /** Milliseconds between chunks (not before the first one). */
  readonly latency: number;
  /** Destroy the socket after this many chunks instead of ending the response. */
  readonly cutAfter?: number | undefined;
  /** Called just before a scripted cut so the close is not mistaken for the client leaving. */
  readonly onCut: () => void;
  readonly signal: AbortSignal;
}

/**
 * Streams `chunks` (any iterable, consumed lazily so a generated GiB never sits in memory) and ends
 * the response, or cuts the connection after `cutAfter` chunks.
 */
export async function writeChunks(
  response: ServerResponse,
  chunks: Iterable<Buffer>,
  options: ChunkWriteOptions,
): Promise<void> {
  const { latency, cutAfter, signal } = options;
  let written = 0;
  for (const chunk of chunks) {
    if (signal.aborted) return;
    if (cutAfter !== undefined && written >= cutAfter) break;
    if (written > 0 && latency > 0) await pause(latency, signal);
    await writeChunk(response, chunk, signal);
    written += 1;
  }
  if (signal.aborted) return;
  if (cutAfter !== undefined) {
    options.onCut();
    await cutConnection(response, signal);
    return;
  }
  response.end();
}
