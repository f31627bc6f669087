// The process logger (pino, JSON): secrets are redacted by path before anything is written.
import pino, { type Logger } from "pino";

/** Header names that carry secrets wherever they appear in a logged object. */
const redactedPaths = [
  "*.headers.authorization",
  "*.headers['x-api-key']",
  "*.headers['proxy-authorization']",
  "*.headers.cookie",
  "headers.authorization",
  "headers['x-api-key']",
  "credential",
  "*.credential",
  "token",
  "*.token",
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.OUTRIGGER_LOG_LEVEL ?? "info",
      base: { service: "outrigger" },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination === undefined
      ? pino.destination({ sync: false })
      : (options.destination as pino.DestinationStream),
  );
}

export type { Logger };
