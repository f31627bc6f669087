// The process logger (pino, JSON; human-readable on a terminal): secrets are redacted by path before anything is written.
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

/** Header names that carry secrets wherever they appear in a logged object. */
const redactedPaths = [
  "*.headers.authorization",
  "*.headers['x-api-key']",
  "*.headers['api-key']",
  "*.headers['x-goog-api-key']",
  "*.headers['proxy-authorization']",
  "*.headers.cookie",
  "headers.authorization",
  "headers['x-api-key']",
  "headers['api-key']",
  "headers['x-goog-api-key']",
  "headers.cookie",
  "credential",
  "*.credential",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
];

export interface LoggerOptions {
  readonly level?: string;
  readonly destination?: NodeJS.WritableStream;
  /** Pretty, colourised lines instead of JSON (default: when stdout is a terminal). */
  readonly pretty?: boolean;
}

/** pino-pretty is loaded only for a terminal: production output is plain JSON lines. */
function prettyDestination(): pino.DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require("pino-pretty") as (options: Record<string, unknown>) => pino.DestinationStream;
  return pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" });
}

/**
 * Stdout written in 4 KiB batches, not a syscall per line, flushed at least every 500 ms so a quiet
 * sidecar's last lines still appear promptly (and on exit, by sonic-boom).
 */
function bufferedStdout(): pino.DestinationStream {
  const destination = pino.destination({ sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Flushing while a write is in flight throws in sonic-boom; the next tick catches up.
    }
  }, 500);
  timer.unref();
  return destination;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination !== undefined
      ? (options.destination as pino.DestinationStream)
      : pretty
        ? prettyDestination()
        : bufferedStdout();
  return pino(
    {
      level: options.level ?? process.env.OUTRIGGER_LOG_LEVEL ?? "info",
      base: { service: "outrigger" },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
