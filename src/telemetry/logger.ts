// The process logger (pino, JSON; human-readable on a terminal): secrets are redacted by path before anything is written.
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import { createLineBatcher, type LineBatcher } from "./line-batcher.ts";

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

/** One batcher for the process's stdout, flushed on exit so the last lines are never lost. */
let stdoutBatcher: LineBatcher | undefined;
function batchedStdout(): LineBatcher {
  if (stdoutBatcher === undefined) {
    const batcher = createLineBatcher(process.stdout);
    process.once("exit", () => batcher.flush());
    stdoutBatcher = batcher;
  }
  return stdoutBatcher;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination !== undefined
      ? (options.destination as pino.DestinationStream)
      : pretty
        ? prettyDestination()
        : batchedStdout();
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
