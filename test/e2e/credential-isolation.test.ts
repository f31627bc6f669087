// A key meant for one place never reaches another: the pod token stays in the pod, a client's key stays with its provider.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { quickRetry, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";

const podToken = "pod-token-secret-for-the-sidecar-only";
const clientKey = "sk-client-own-key-for-anthropic-only";
const message = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 5,
  messages: [{ role: "user", content: "x" }],
});

describe("inbound auth: the pod token is never forwarded", () => {
  let harness: Harness;
  before(async () => {
    process.env.OUTRIGGER_TEST_POD_TOKEN = podToken;
    harness = await startResilienceHarness({}, (config) => {
      config.auth = { token: { env: "OUTRIGGER_TEST_POD_TOKEN" } };
    });
  });
  after(async () => {
    await harness.close();
    delete process.env.OUTRIGGER_TEST_POD_TOKEN;
  });

  for (const header of ["api-key", "x-api-key", "authorization", "x-outrigger-token"]) {
    test(`presented as ${header}`, async () => {
      const value = header === "authorization" ? `Bearer ${podToken}` : podToken;
      const response = await fetch(`${harness.sidecar.proxyUrl}/anthropic/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", [header]: value },
        body: message,
      });
      assert.equal(response.status, 200, await response.text());
      const seen = JSON.stringify(upstreamPosts(harness).at(-1)?.headers);
      assert.ok(!seen.includes(podToken), `the upstream saw the pod token: ${seen}`);
    });
  }
});

describe("a provider without credentials relays the client's key only to itself", () => {
  let harness: Harness;
  before(async () => {
    harness = await startResilienceHarness(
      {
        anthropic: {
          credentials: [],
          resilience: { retry: { ...quickRetry, maxAttempts: 1 } },
          fallback: [{ provider: "anthropic-b" }],
        },
      },
      (config, simulatorUrl) => {
        (config.providers as Record<string, unknown>)["anthropic-b"] = {
          protocol: "anthropic",
          baseUrl: simulatorUrl,
          hosts: [],
          credentials: [],
        };
      },
    );
  });
  after(async () => {
    await harness.close();
  });

  test("the addressed provider gets it; its fallback does not", async () => {
    harness.simulator.script([{ respond: { status: 529 } }]);
    const response = await fetch(`${harness.sidecar.proxyUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": clientKey },
      body: message,
    });
    await response.arrayBuffer();
    const [first, fallback] = upstreamPosts(harness);
    assert.equal(first?.headers["x-api-key"], clientKey, "relayed to the provider the client addressed");
    assert.ok(fallback, "the fallback was tried");
    assert.equal(fallback.headers["x-api-key"], undefined, "never to another provider");
    assert.equal(response.headers.get("x-outrigger-provider"), "anthropic-b");
  });
});
