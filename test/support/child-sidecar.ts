// Runs `outrigger serve` as a real child process and learns its listen URLs from its first log line.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repositoryRoot = resolve(import.meta.dirname, "../..");
export const node24 = join(repositoryRoot, "node_modules/.bin/node");
/**
 * The flags `npm start` and the image's entrypoint run the sidecar with: a small young generation keeps
 * RSS near the working set while chunks stream through (see bench/README.md).
 */
export const sidecarNodeFlags = ["--max-semi-space-size=4"];

export interface ChildSidecar {
  readonly process: ChildProcess;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function writeConfig(config: unknown): string {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-config-"));
  const file = join(directory, "outrigger.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export async function startChildSidecar(
  configFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildSidecar> {
  const child = spawn(node24, [...sidecarNodeFlags, "src/main.ts", "serve", "--config", configFile], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const ready = new Promise<{ proxy: string; admin: string }>((resolveReady, reject) => {
    const onData = (data: Buffer): void => {
      output += data.toString();
      for (const line of output.split("\n")) {
        if (!line.includes('"outrigger serving"')) continue;
        const parsed = JSON.parse(line) as { proxy: string; admin: string };
        resolveReady(parsed);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (data: Buffer) => {
      output += data.toString();
    });
    exited.then((code) => reject(new Error(`sidecar exited (${code}) before serving:\n${output}`)));
  });
  const timeout = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const urls = await ready.finally(() => clearTimeout(timeout));
  return {
    process: child,
    proxyUrl: urls.proxy,
    adminUrl: urls.admin,
    output: () => output,
    exited,
    kill: (signal = "SIGTERM") => {
      child.kill(signal);
    },
  };
}
