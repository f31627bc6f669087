// `node bench/profile.ts`: runs Outrigger under load with --cpu-prof and prints the hottest functions.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonRequest, runLoad } from "./load.ts";
import { startUpstream, stop } from "./processes.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const upstream = await startUpstream();
const directory = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), "outrigger-profile-"));
const config = join(directory, "config.json");
writeFileSync(
  config,
  JSON.stringify({
    listen: { proxy: "127.0.0.1:7790", admin: "127.0.0.1:7791" },
    providers: {
      deepseek: { protocol: "openai", baseUrl: upstream.url, credentials: [{ env: "BENCH_UPSTREAM_KEY" }] },
    },
    models: [],
  }),
);
const child = spawn(
  process.execPath,
  [
    "--max-semi-space-size=4",
    "--cpu-prof",
    `--cpu-prof-dir=${directory}`,
    "src/main.ts",
    "serve",
    "--config",
    config,
  ],
  { env: { ...process.env, BENCH_UPSTREAM_KEY: "k" }, stdio: ["ignore", "ignore", "inherit"] },
);
await new Promise((resolve) => setTimeout(resolve, 1500));
await runLoad(
  { origin: "http://127.0.0.1:7790", path: "/deepseek/chat/completions", body: jsonRequest },
  32,
  6_000,
);
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
await stop(upstream);
const file = readdirSync(directory).find((name) => name.endsWith(".cpuprofile"));
if (file === undefined) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(join(directory, file), "utf8")) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, node) => sum + node.hitCount, 0);
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const where = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*node_modules\//, "")}:${node.callFrame.lineNumber}`;
  byFunction.set(where, (byFunction.get(where) ?? 0) + node.hitCount);
}
for (const [where, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${where}\n`);
}
