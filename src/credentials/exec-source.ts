// Runs a command (argv, no shell) that prints a token or JSON `{ token, expires_at }`; `ttl` when it names no expiry.
import { spawn } from "node:child_process";
import { basename } from "node:path";
import type { CredentialConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";
import { Refresher } from "./refresher.ts";
import type { SourceOptions } from "./source-options.ts";
import { refresherInjections } from "./source-options.ts";

export type ExecCredentialConfig = Extract<CredentialConfig, { exec: unknown }>["exec"];

export interface ExecSourceOptions extends SourceOptions {
  /** How long before expiry to run the command again; default 5 min. */
  readonly refreshBefore?: number;
}

const maxOutput = 64 * 1024;
const maxStderrShown = 400;

interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function run(
  command: readonly string[],
  timeout: number,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<ExecResult> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    if (file === undefined) {
      reject(new ProxyError("credential_missing", "exec credential has an empty command"));
      return;
    }
    const child = spawn(file, args, { shell: false, stdio: ["ignore", "pipe", "pipe"], env, signal });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeout);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < maxOutput) stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < maxOutput) stderr += chunk;
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code, signal: exitSignal, stdout, stderr, timedOut });
    });
  });
}

/** `expires_at` as epoch seconds, epoch milliseconds or an RFC 3339 date. */
function parseExpiry(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
  if (typeof value === "string") {
    const numeric = Number(value);
    if (value.trim() !== "" && Number.isFinite(numeric)) return parseExpiry(numeric);
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return undefined;
}

export function parseExecOutput(
  stdout: string,
  now: number,
  ttl: number,
  where: string,
): { token: string; expiresAt: number } {
  const text = stdout.trim();
  const bad = (why: string): ProxyError => new ProxyError("credential_refresh_failed", `${where} ${why}`);
  if (text === "") throw bad("printed nothing");
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw bad("printed JSON that does not parse");
    }
    const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    if (typeof record.token !== "string" || record.token.trim() === "")
      throw bad("printed JSON without a token");
    const token = record.token.trim();
    if (/\s/.test(token)) throw bad("printed a token containing whitespace");
    if (record.expires_at !== undefined && parseExpiry(record.expires_at) === undefined) {
      throw bad("printed an expires_at that is not a date or epoch seconds");
    }
    return { token, expiresAt: parseExpiry(record.expires_at) ?? now + ttl };
  }
  // A token with a newline in it would split the header it is sent in.
  if (/\s/.test(text)) throw bad("printed more than one token (whitespace in the output)");
  return { token: text, expiresAt: now + ttl };
}

export function createExecSource(config: ExecCredentialConfig, options: ExecSourceOptions = {}): Refresher {
  const env = options.env ?? process.env;
  const now = (): number => options.clock?.now() ?? Date.now();
  // Only the program's name: arguments may carry things an operator would not want in logs.
  const where = `exec ${basename(config.command[0] ?? "(empty)")}`;
  return new Refresher({
    description: where,
    ...(options.refreshBefore === undefined ? {} : { refreshBefore: options.refreshBefore }),
    ...refresherInjections(options),
    async fetch(signal): Promise<Credential> {
      let result: ExecResult;
      try {
        result = await run(config.command, config.timeout, env, signal);
      } catch (error) {
        if (error instanceof ProxyError) throw error;
        const code = (error as NodeJS.ErrnoException).code ?? "spawn failed";
        throw new ProxyError("credential_refresh_failed", `${where} could not start (${code})`, {
          cause: error,
        });
      }
      if (result.timedOut)
        throw new ProxyError("credential_refresh_failed", `${where} timed out after ${config.timeout} ms`);
      if (result.code !== 0) {
        // stdout may hold a token even on failure: it is kept out of the message, and scrubbed from stderr.
        let stderr = result.stderr;
        const printed = result.stdout.trim();
        if (printed.length >= 4) stderr = stderr.split(printed).join("[redacted]");
        stderr = stderr.replace(/\s+/g, " ").trim();
        if (stderr.length > maxStderrShown) stderr = `…${stderr.slice(-maxStderrShown)}`;
        const exit =
          result.code === null
            ? `was killed by ${result.signal ?? "a signal"}`
            : `exited with code ${result.code}`;
        throw new ProxyError(
          "credential_refresh_failed",
          `${where} ${exit}${stderr === "" ? "" : `: ${stderr}`}`,
        );
      }
      const { token, expiresAt } = parseExecOutput(result.stdout, now(), config.ttl, where);
      return { kind: "token", token, style: "bearer", keyId: keyIdOf(token), expiresAt };
    },
  });
}
