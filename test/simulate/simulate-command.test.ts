// `outrigger simulate` starts as a child process, serves with its options, and exits 0 on SIGTERM.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fixtures, send } from "./simulator-test-helpers.ts";

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [main, "simulate", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

async function output(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Resolves with the URL the command prints, or rejects if it exits first. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening: ${seen}`)));
  });
}

test("serves with --script and --chunk-latency, lists its endpoints and stops with exit 0 on SIGTERM", async () => {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-simulate-"));
  const scriptFile = join(directory, "script.json");
  writeFileSync(scriptFile, JSON.stringify([{ respond: { status: 529 } }]));
  const child = startCli([
    "--port",
    "0",
    "--script",
    scriptFile,
    "--chunk-latency",
    "5ms",
    "--fixtures",
    fixtures,
  ]);
  const finished = output(child);
  try {
    const url = await listeningUrl(child);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const overloaded = await send(url, "/v1/messages", { model: "c", stream: true });
    assert.equal(overloaded.status, 529);
    const paced = await send(url, "/v1/messages", { model: "c", stream: true });
    assert.equal(paced.status, 200);
    assert.ok(paced.endAfter >= 40, `11 gaps of 5 ms took ${paced.endAfter} ms`);
    child.kill("SIGTERM");
    const { code, stdout } = await finished;
    assert.equal(code, 0);
    for (const endpoint of [
      "/v1/messages",
      "/chat/completions",
      "/v1/chat/completions",
      "/_simulator/script",
    ]) {
      assert.ok(stdout.includes(endpoint), endpoint);
    }
    assert.match(stdout, /stopped/);
  } finally {
    child.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
  }
});

test("--help prints usage and exits 0; a bad option exits 2", async () => {
  const help = await output(startCli(["--help"]));
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: outrigger simulate/);
  assert.match(help.stdout, /--first-byte-delay/);
  const bad = await output(startCli(["--chunk-latency", "soon"]));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--chunk-latency must be a duration/);
});

test("a missing OUTRIGGER_FIXTURES folder is a clear startup error", async () => {
  const result = await output(
    startCli(["--port", "0"], { ...process.env, OUTRIGGER_FIXTURES: "/nonexistent/outrigger-fixtures" }),
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /OUTRIGGER_FIXTURES.*does not exist/);
});
