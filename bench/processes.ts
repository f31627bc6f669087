// Starts the bench's child processes (upstream, baseline proxy, Outrigger) and learns their ports.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const node = process.execPath;

export interface Started {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every listener the process announced (Outrigger: proxy, admin, intercept, tls). */
  readonly urls: Readonly<Record<string, string>>;
}

/** Waits for the first stdout line matching `pick`, which yields the URL to load. */
function startChild(
  args: readonly string[],
  pick: (line: string) => Record<string, string> | undefined,
  env = {},
): Promise<Started> {
  const child = spawn(node, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolveStart, reject) => {
    let buffered = "";
    const onData = (data: Buffer): void => {
      buffered += data.toString();
      for (const line of buffered.split("\n")) {
        const urls = pick(line);
        if (urls === undefined || urls.url === undefined) continue;
        // From here on the output (access log lines) is drained unread: parsing it would load the bench.
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolveStart({ url: urls.url, urls, child });
        return;
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

const portLine = (line: string): Record<string, string> | undefined => {
  if (!line.startsWith("{")) return undefined;
  const parsed = JSON.parse(line) as { port?: number };
  return parsed.port === undefined ? undefined : { url: `http://127.0.0.1:${parsed.port}` };
};

const servingLine = (line: string): Record<string, string> | undefined => {
  if (!line.includes('"outrigger serving"')) return undefined;
  const parsed = JSON.parse(line) as Record<string, unknown>;
  const urls: Record<string, string> = {};
  for (const key of ["proxy", "admin", "intercept", "tls"]) {
    if (typeof parsed[key] === "string") urls[key] = parsed[key];
  }
  return { ...urls, url: urls.proxy ?? "" };
};

export const startUpstream = (): Promise<Started> => startChild(["bench/upstream-server.ts"], portLine);
export const startBaseline = (upstream: string): Promise<Started> =>
  startChild(["bench/baseline-proxy.ts", upstream], portLine);
/** The default pipeline's work hand-fused (floor-proxy.ts), with `npm start`'s young generation. */
export const startFloor = (upstream: string): Promise<Started> =>
  startChild(["--max-semi-space-size=4", "bench/floor-proxy.ts", upstream], portLine, {
    BENCH_UPSTREAM_KEY: "sk-bench-upstream",
  });

/** Outrigger as `npm start` runs it, with `config` written to a temp file. */
export function startOutrigger(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Started> {
  const file = join(mkdtempSync(join(tmpdir(), "outrigger-bench-")), "outrigger.json");
  writeFileSync(file, JSON.stringify(config));
  return startChild(
    [
      ...(process.env.BENCH_NODE_FLAGS ?? "--max-semi-space-size=4").split(" ").filter(Boolean),
      "src/main.ts",
      "serve",
      "--config",
      file,
    ],
    servingLine,
    { BENCH_UPSTREAM_KEY: "sk-bench-upstream", ...env },
  );
}

export function stop(started: Started): Promise<void> {
  return new Promise((resolveStop) => {
    if (started.child.exitCode !== null) {
      resolveStop();
      return;
    }
    started.child.once("exit", () => resolveStop());
    started.child.kill("SIGTERM");
  });
}
