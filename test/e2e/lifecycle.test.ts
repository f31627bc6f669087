// Lifecycle of a real sidecar process: drain on SIGTERM, upstream aborted when the client leaves.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { startChildSidecar, writeConfig } from "../support/child-sidecar.ts";
import { harnessConfig, startHarness } from "../support/sidecar-harness.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator();
});
after(async () => {
  await simulator.close();
});

function providerRequests() {
  return simulator.requests.filter((entry) => entry.method === "POST");
}

test("SIGTERM during a stream: the stream completes intact and the process exits 0", async () => {
  const sidecar = await startChildSidecar(writeConfig(harnessConfig(simulator.url)));
  const lookup = new FixtureStore().lookup("anthropic/anthropic-text", true);
  assert.ok(lookup.found);
  const expected = Buffer.concat(lookup.fixture.chunks);
  const received: Buffer[] = [];
  let firstChunk: () => void = () => {};
  const gotFirstChunk = new Promise<void>((resolve) => {
    firstChunk = resolve;
  });
  const done = new Promise<number | undefined>((resolve, reject) => {
    const outgoing = request(
      `${sidecar.proxyUrl}/anthropic/v1/messages`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          // 80 ms between events: the stream is still running when SIGTERM arrives.
          "x-simulator-chunk-latency": "80",
        },
      },
      (response) => {
        response.on("data", (chunk: Buffer) => {
          received.push(chunk);
          firstChunk();
        });
        response.on("end", () => resolve(response.statusCode));
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(JSON.stringify({ model: "claude", stream: true, max_tokens: 10, messages: [] }));
  });
  await gotFirstChunk;
  sidecar.kill("SIGTERM");
  const status = await done;
  assert.equal(status, 200);
  assert.ok(Buffer.concat(received).equals(expected), "the stream arrived whole, byte for byte");
  assert.equal(await sidecar.exited, 0, sidecar.output());
});

test("a client abort closes the upstream connection within 1 s", async () => {
  const sidecar = await startChildSidecar(writeConfig(harnessConfig(simulator.url)));
  try {
    const before = providerRequests().length;
    const controller = new AbortController();
    const response = await fetch(`${sidecar.proxyUrl}/deepseek/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-simulator-chunk-latency": "200" },
      body: JSON.stringify({ model: "deepseek-chat", stream: true, messages: [] }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    const abortedAt = Date.now();
    controller.abort();
    let upstream = providerRequests()[before];
    for (let waited = 0; waited < 3_000 && upstream?.closedAt === undefined; waited += 20) {
      await delay(20);
      upstream = providerRequests()[before];
    }
    assert.ok(upstream, "the upstream saw the request");
    assert.equal(
      upstream.clientClosedEarly,
      true,
      "the upstream connection was closed before the stream ended",
    );
    assert.ok(upstream.closedAt !== undefined && upstream.closedAt - abortedAt < 1_000, "closed within 1 s");
  } finally {
    sidecar.kill("SIGTERM");
    await sidecar.exited;
  }
});

test("a client that leaves before the answer's head is counted as aborted, not as an upstream timeout", async () => {
  const harness = await startHarness();
  try {
    harness.simulator.script([{ stallBeforeHead: 2_000 }]);
    const controller = new AbortController();
    const pending = fetch(`${harness.sidecar.proxyUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude", max_tokens: 5, messages: [] }),
      signal: controller.signal,
    }).catch(() => undefined);
    await delay(200);
    controller.abort();
    await pending;
    const [exchange] = await harness.waitFinished(1);
    assert.notEqual(exchange?.observed.errorType, "upstream_timeout");
    const metrics = await (await fetch(`${harness.sidecar.adminUrl}/metrics`)).text();
    assert.match(metrics, /outrigger_requests_total\{provider="anthropic",[^}]*outcome="aborted"\} 1/);
  } finally {
    await harness.close();
  }
});
