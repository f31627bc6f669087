// Runs `outrigger serve` as a real child process and learns its listen URLs from its first log line.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
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

/** A port free on 127.0.0.1 just now (another process could take it before it is used: rare). */
export async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const address = server.address();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  if (address === null || typeof address === "string") throw new Error("no port from the kernel");
  return address.port;
}

/**
 * `outrigger serve` as a child whose log level may hide the "outrigger serving" line (warn and above):
 * `config`'s listen addresses are set to free ports here, and readiness is read from the admin /readyz.
 */
export async function startQuietChildSidecar(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildSidecar> {
  const [proxyPort, adminPort] = [await freeLocalPort(), await freeLocalPort()];
  const listen = { proxy: `127.0.0.1:${proxyPort}`, admin: `127.0.0.1:${adminPort}` };
  const configFile = writeConfig({ ...config, listen });
  const child = spawn(node24, [...sidecarNodeFlags, "src/main.ts", "serve", "--config", configFile], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (data: Buffer) => {
    output += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const adminUrl = `http://${listen.admin}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (gone) throw new Error(`sidecar exited before it was ready:\n${output}`);
    const ready = await fetch(`${adminUrl}/readyz`).then(
      (response) => response.arrayBuffer().then(() => response.status === 200),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`sidecar not ready in 20 s:\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  return {
    process: child,
    proxyUrl: `http://${listen.proxy}`,
    adminUrl,
    output: () => output,
    exited,
    kill: (signal = "SIGTERM") => {
      child.kill(signal);
    },
  };
}
