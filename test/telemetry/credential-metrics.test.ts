// Credential telemetry: refreshes by outcome and trigger, expiry timestamp and availability in /metrics — never the token.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseConfig } from "../../src/config/load-config.ts";
import { type Sidecar, startSidecar } from "../../src/sidecar.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from "../credentials/fake-token-endpoint.ts";
import { parseSamples, total } from "./prometheus-text.ts";

const clientSecret = "client-secret-never-in-metrics-7731";
const tokens = ["access-token-one-never-in-metrics", "access-token-two-never-in-metrics"];
let simulator: Simulator;
let identity: FakeTokenEndpoint;
let sidecar: Sidecar;
let failing = false;

before(async () => {
  simulator = await startSimulator({});
  identity = await startFakeTokenEndpoint(() =>
    failing
      ? { status: 503, body: { error: "temporarily_unavailable" } }
      : {
          status: 200,
          body: { access_token: tokens[identity.calls.length - 1], token_type: "Bearer", expires_in: 3600 },
        },
  );
  const config = parseConfig({
    listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
    providers: {
      anthropic: {
        protocol: "anthropic",
        baseUrl: simulator.url,
        hosts: [],
        credentials: [
          {
            oauth2: {
              grant: "client_credentials",
              tokenUrl: identity.url,
              clientId: { env: "TEST_CLIENT_ID" },
              clientSecret: { env: "TEST_CLIENT_SECRET" },
            },
          },
        ],
      },
    },
  });
  sidecar = await startSidecar(
    { config, file: "test.yaml" },
    {
      warm: false,
      logger: createLogger({ level: "silent" }),
      env: { TEST_CLIENT_ID: "client-id", TEST_CLIENT_SECRET: clientSecret },
    },
  );
});
after(async () => {
  await sidecar.stop(1000);
  await identity.close();
  await simulator.close();
});

async function metrics(): Promise<{ text: string; samples: ReturnType<typeof parseSamples> }> {
  const text = await (await fetch(`${sidecar.adminUrl}/metrics`)).text();
  return { text, samples: parseSamples(text) };
}

test("the first token's refresh is counted and its expiry exposed as a Unix timestamp", async () => {
  const anthropic = new Anthropic({ baseURL: `${sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });
  await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "Hi" }],
  });
  const { samples, text } = await metrics();
  assert.equal(
    total(samples, "outrigger_credential_refreshes_total", {
      provider: "anthropic",
      outcome: "success",
      trigger: "initial",
    }),
    1,
  );
  const expiry = total(samples, "outrigger_credential_expiry_timestamp_seconds", {
    provider: "anthropic",
    credential: "0",
  });
  const expected = Date.now() / 1000 + 3600;
  assert.ok(Math.abs(expiry - expected) < 60, `expiry ${expiry} ≈ ${expected}`);
  assert.equal(
    total(samples, "outrigger_credential_available", { provider: "anthropic", credential: "0" }),
    1,
  );
  for (const secret of [...tokens, clientSecret]) assert.ok(!text.includes(secret));
});

test("an upstream 401 forces a refresh; a failing identity provider is counted as a failure", async () => {
  failing = true;
  simulator.script([
    {
      respond: {
        status: 401,
        body: { type: "error", error: { type: "authentication_error", message: "bad token" } },
      },
    },
  ]);
  const anthropic = new Anthropic({
    baseURL: `${sidecar.proxyUrl}/anthropic`,
    apiKey: "placeholder",
    maxRetries: 0,
  });
  await assert.rejects(
    anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "Hi" }],
    }),
    Anthropic.AuthenticationError,
  );
  const deadline = Date.now() + 5000;
  let failures = 0;
  while (Date.now() < deadline) {
    failures = total((await metrics()).samples, "outrigger_credential_refreshes_total", {
      provider: "anthropic",
      outcome: "failure",
      // Forced by the 401, not a background refresh that happened to fail.
      trigger: "invalidated",
    });
    if (failures > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(failures >= 1, "the failed refresh is counted");
  const { text } = await metrics();
  for (const secret of [...tokens, clientSecret]) assert.ok(!text.includes(secret));
});
