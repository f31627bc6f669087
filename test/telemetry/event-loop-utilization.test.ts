// outrigger_event_loop_utilization from a sidecar process of its own: busy while it serves, near idle when it waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { startSimulator } from "../../src/simulate/simulator-server.ts";
import { startChildSidecar, writeConfig } from "../support/child-sidecar.ts";
import { harnessConfig } from "../support/sidecar-harness.ts";
import { parseSamples, total } from "./prometheus-text.ts";

async function utilization(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return total(parseSamples(text), "outrigger_event_loop_utilization");
}

test("the gauge is the busy fraction since the last scrape: between 0 and 1, low for an idle sidecar", async () => {
  const simulator = await startSimulator();
  const sidecar = await startChildSidecar(writeConfig(harnessConfig(simulator.url)));
  try {
    for (let call = 0; call < 20; call++) {
      const response = await fetch(`${sidecar.proxyUrl}/deepseek/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "deepseek-chat", messages: [{ role: "user", content: "Hi" }] }),
      });
      await response.arrayBuffer();
    }
    const serving = await utilization(sidecar.adminUrl);
    assert.ok(serving > 0 && serving < 1, `while serving: ${serving}`);
    // A second of nothing: the window moves on and the loop was idle nearly all of it.
    await delay(1_200);
    await utilization(sidecar.adminUrl);
    await delay(1_200);
    const idle = await utilization(sidecar.adminUrl);
    assert.ok(idle >= 0 && idle < 0.5, `idle: ${idle}`);
  } finally {
    sidecar.kill("SIGTERM");
    await sidecar.exited;
    await simulator.close();
  }
});
