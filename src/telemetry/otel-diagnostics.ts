// OpenTelemetry's own warnings and errors (a collector that refuses or cannot be reached) as sidecar log lines.
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";

/** A collector that is down fails every batch: at most one line per this interval says so, with a count. */
const quietInterval = 10_000;
/** The SDK hands over whole serialized exceptions (stacks, response bodies); the first words say enough. */
const longestDetail = 300;

/**
 * The SDK's error handler passes a JSON-flattened exception (name, code, message, stack, the collector's
 * answer): its name, code and message are what a reader needs, never the answer's body.
 */
function detailOf(message: string): string {
  let text = message;
  try {
    const parsed = JSON.parse(message) as { name?: unknown; code?: unknown; message?: unknown } | null;
    if (parsed !== null && typeof parsed === "object") {
      const present = (part: unknown): part is string | number =>
        (typeof part === "string" && part !== "") || typeof part === "number";
      const label = [parsed.name, parsed.code].filter(present).join(" ");
      const said = present(parsed.message) ? String(parsed.message) : "";
      text =
        label !== "" && said !== "" ? `${label}: ${said}` : label || said || "an error without a message";
    }
  } catch {
    // Not JSON: the plain message.
  }
  return text.length > longestDetail ? `${text.slice(0, longestDetail)}…` : text;
}

/**
 * Without a diag logger the SDK drops these, so spans could be lost to a wrong endpoint without a word.
 * A burst is throttled: its first message at once, then at most one line per quiet interval, which
 * repeats the latest message and counts the ones held back, also when the burst has ended.
 * `diag` is process-wide: the last sidecar started in a process owns it (one per process outside tests).
 */
export function reportOpenTelemetryDiagnostics(
  warn: (message: string) => void,
  interval: number = quietInterval,
): void {
  let lastReport = Number.NEGATIVE_INFINITY;
  let heldBack = 0;
  let latest = "";
  let trailing: NodeJS.Timeout | undefined;
  const write = (message: string, count: number): void => {
    lastReport = Date.now();
    const more = count <= 1 ? "" : ` (${count} such messages since the last report)`;
    warn(`OpenTelemetry: ${detailOf(message)}${more}`);
  };
  const flush = (): void => {
    trailing = undefined;
    if (heldBack === 0) return;
    const count = heldBack;
    heldBack = 0;
    write(latest, count);
  };
  const report = (message: string): void => {
    const wait = lastReport + interval - Date.now();
    if (wait <= 0 && heldBack === 0) {
      write(message, 1);
      return;
    }
    heldBack += 1;
    latest = message;
    if (trailing === undefined) {
      trailing = setTimeout(flush, Math.max(0, wait));
      trailing.unref();
    }
  };
  const ignore = (): void => {};
  const logger: DiagLogger = { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
