// Log lines gathered over one event-loop turn and handed to stdout in one write, not one write per line.

/** What pino needs of a destination, plus the flush the logger calls on shutdown. */
export interface LineBatcher {
  write(line: string): boolean;
  flush(): void;
}

/** A turn that gathers more than this writes at once rather than holding the lines. */
const largestBatch = 64 * 1024;

/**
 * Under load one turn finishes many requests, so their access lines share one write. The target is
 * process.stdout, which Node writes at once for files and pipes on Linux (queuing only behind a full
 * pipe): nothing is held here longer than the turn, and the exit flush needs no timer.
 * (pino's sonic-boom with a minimum length measured about 20 µs a line more in bench/: it re-measures
 * its growing buffer on every write and hands each batch to the thread pool.)
 */
export function createLineBatcher(target: { write(chunk: string): unknown }): LineBatcher {
  let lines: string[] = [];
  let size = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (lines.length === 0) return;
    const batch = lines.length === 1 ? lines[0]! : lines.join("");
    lines = [];
    size = 0;
    target.write(batch);
  };
  return {
    write(line) {
      lines.push(line);
      size += line.length;
      if (size >= largestBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    flush,
  };
}
