// Log lines gathered for a few milliseconds and handed to stdout in one write, not one write per line.

/** What pino needs of a destination, plus the flush the logger calls on shutdown. */
export interface LineBatcher {
  write(line: string): boolean;
  flush(): void;
}

/** A batch this large is written at once rather than held until the timer. */
const largestBatch = 16 * 1024;
/** The longest a line waits for its batch. */
const holdMs = 25;

/**
 * Under load many requests finish within a few milliseconds, so their access lines share one write:
 * each write to a pipe costs a syscall here and a wake-up in the reader (the container runtime), and
 * writing once per event-loop turn measured 6–16 % fewer requests/s than this in bench/ (bench/README.md).
 * The target is process.stdout, which Node writes at once for files and pipes on Linux. Lines are held
 * for at most `holdMs`; the logger flushes on exit, so only a process killed outright loses them.
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
        // Unreferenced: a batch never keeps the process alive; the exit flush writes it.
        setTimeout(flush, holdMs).unref();
      }
      return true;
    },
    flush,
  };
}
