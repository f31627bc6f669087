// OpenTelemetry's own warnings and errors (a collector that refuses or cannot be reached) as sidecar log lines.
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";

/** A collector that is down fails every batch: one line per this interval says so, with a count. */
const quietInterval = 10_000;
/** The SDK hands over whole serialized exceptions (stacks, response bodies); the first words say enough. */
const longestDetail = 300;

/**
 * The SDK's error handler passes a JSON-flattened exception (name, code, message, stack, the collector's
 * answer): its name, code and message are what a reader needs.
 */
function detailOf(message: string): string {
  let text = message;
  try {
    const parsed = JSON.parse(message) as { name?: unknown; code?: unknown; message?: unknown } | null;
    if (typeof parsed?.message === "string") {
      const label = [parsed.name, parsed.code].filter(
        (part) => typeof part === "string" || typeof part === "number",
      );
      text = label.length === 0 ? parsed.message : `${label.join(" ")}: ${parsed.message}`;
    }
  } catch {
    // Not JSON: the plain message.
  }
  return text.length > longestDetail ? `${text.slice(0, longestDetail)}…` : text;
}

/**
 * Without a diag logger the SDK drops these, so spans could be lost to a wrong endpoint without a word.
 * `diag` is process-wide: the last sidecar started in a process owns it (one per process outside tests).
 */
export function reportOpenTelemetryDiagnostics(
  warn: (message: string) => void,
  now: () => number = Date.now,
): void {
  let lastReport = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  const report = (message: string): void => {
    const at = now();
    if (at - lastReport < quietInterval) {
      suppressed += 1;
      return;
    }
    lastReport = at;
    const more = suppressed === 0 ? "" : ` (${suppressed} more in the last ${quietInterval / 1000} s)`;
    suppressed = 0;
    warn(`OpenTelemetry: ${detailOf(message)}${more}`);
  };
  const ignore = (): void => {};
  const logger: DiagLogger = { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
