// A 1 GiB streamed response passes through with the sidecar's memory bounded by socket buffers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { test } from "node:test";
import { startSimulator } from "../../src/simulate/simulator-server.ts";
import { startChildSidecar, writeConfig } from "../support/child-sidecar.ts";
import { harnessConfig } from "../support/sidecar-harness.ts";

const oneGibibyte = 1024 * 1024 * 1024;
const rssLimit = 150 * 1024 * 1024;

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

test("1 GiB streamed through the sidecar keeps its RSS under 150 MB", {
  timeout: 180_000,
}, async (context) => {
  const simulator = await startSimulator();
  const sidecar = await startChildSidecar(writeConfig(harnessConfig(simulator.url)));
  const pid = sidecar.process.pid ?? 0;
  let peak = residentBytes(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentBytes(pid));
  }, 50);
  try {
    const { received, tail } = await new Promise<{ received: number; tail: string }>((resolve, reject) => {
      const outgoing = request(
        `${sidecar.proxyUrl}/anthropic/v1/messages`,
        {
          method: "POST",
          headers: { "content-type": "application/json", "x-simulator-size": String(oneGibibyte) },
        },
        (response) => {
          let count = 0;
          let last = "";
          response.on("data", (chunk: Buffer) => {
            count += chunk.length;
            last = (last + chunk.toString("latin1")).slice(-200);
          });
          response.on("end", () => resolve({ received: count, tail: last }));
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(JSON.stringify({ model: "claude", stream: true, max_tokens: 10, messages: [] }));
    });
    assert.ok(received >= oneGibibyte, `received ${received} bytes`);
    assert.match(tail, /message_stop/, "the stream ended properly");
    assert.ok(peak < rssLimit, `peak RSS ${(peak / 1024 / 1024).toFixed(1)} MiB`);
    context.diagnostic(`peak RSS ${(peak / 1024 / 1024).toFixed(1)} MiB for ${received} bytes`);
  } finally {
    clearInterval(sampler);
    sidecar.kill("SIGTERM");
    await sidecar.exited;
    await simulator.close();
  }
});
