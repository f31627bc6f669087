// The credentials stage on real env sources and a real limiter, with a stand-in for dispatch that answers per key:
// a refused key's answer is released, not leaked, when another key (or a refreshed one) answers instead.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/config/load-config.ts";
import type { Credential } from "../../src/credentials/credential.ts";
import { credentialsStage } from "../../src/credentials/credentials-stage.ts";
import { createEnvSource } from "../../src/credentials/env-source.ts";
import { keyPoolOf, pooledCredentials } from "../../src/credentials/key-pool.ts";
import { createLocalLimiter } from "../../src/limits/local-limiter.ts";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import type { ProxyResponse } from "../../src/pipeline/proxy-response.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import type { ProviderRuntime } from "../../src/routing/provider-runtime.ts";
import type { UpstreamClient } from "../../src/upstream/upstream-client.ts";
import { testExchange } from "../support/test-exchange.ts";

const config = parseConfig({
  listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
  providers: { openai: { protocol: "openai", baseUrl: "http://127.0.0.1:9", credentials: [{ env: "KEY" }] } },
}).providers.openai!;

// Dispatch is stood in for below: nothing reaches an upstream client.
const upstream: UpstreamClient = {
  origin: "http://127.0.0.1:9",
  basePath: "",
  request: () => Promise.reject(new Error("the stand-in dispatch answers instead")),
  close: async () => {},
};

function provider(env: NodeJS.ProcessEnv, names: string[]): ProviderRuntime {
  const sources = names.map((name) => createEnvSource(name, env));
  return {
    id: "openai",
    config,
    adapter: openaiAdapter,
    credentials: pooledCredentials("openai", sources),
    upstream,
  };
}

function exchangeFor(runtime: ProviderRuntime): Exchange {
  const exchange = testExchange();
  exchange.route = { provider: runtime, upstreamPath: "/v1/chat/completions", clientDialect: "openai" };
  return exchange;
}

const token = (credential: Credential | undefined): string =>
  credential?.kind === "token" ? credential.token : "none";

/** A refused answer with a streamed body, recording what the stage did with it. */
function refused(status: number, log: string[]): ProxyResponse {
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      yield new TextEncoder().encode('{"error":{"message":"bad key"}}');
    } finally {
      log.push("body released");
    }
  }
  return {
    status,
    headers: {},
    body: body(),
    onFinished: (outcome) => log.push(`finished completed=${outcome.completed}`),
  };
}

/** Stands in for dispatch: answers each key as `answers` says, and reports it as dispatch does. */
function dispatchByKey(answers: Record<string, number>, log: string[], sent: string[]) {
  return async (exchange: Exchange): Promise<ProxyResponse> => {
    const key = token(exchange.credential);
    sent.push(key);
    const status = answers[key] ?? 200;
    exchange.upstream = { status, headers: status === 429 ? { "retry-after": "5" } : {} };
    if (status >= 400) return refused(status, log);
    return { status, headers: {}, body: new Uint8Array() };
  };
}

test("a pooled key refused with 401: the same attempt goes to the other key, the refused answer is released", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b" }, ["KEY_A", "KEY_B"]);
  const log: string[] = [];
  const sent: string[] = [];
  const handler = credentialsStage({ limiter: createLocalLimiter() })(
    dispatchByKey({ "key-a": 401 }, log, sent),
  );
  const exchange = exchangeFor(runtime);
  const response = await handler(exchange);
  assert.equal(response.status, 200);
  assert.deepEqual(sent, ["key-a", "key-b"]);
  assert.equal(exchange.attempt, 1, "not a retry");
  assert.equal(exchange.observed.keyId, (await runtime.credentials[1]!.current()).keyId);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ["finished completed=false", "body released"]);

  await handler(exchangeFor(runtime));
  assert.deepEqual(sent, ["key-a", "key-b", "key-b"], "key A stays set aside");
});

test("every key refused: each is tried once and the last refusal is the answer, not released", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b", KEY_C: "key-c" }, ["KEY_A", "KEY_B", "KEY_C"]);
  const log: string[] = [];
  const sent: string[] = [];
  const handler = credentialsStage()(dispatchByKey({ "key-a": 401, "key-b": 403, "key-c": 401 }, log, sent));
  const response = await handler(exchangeFor(runtime));
  assert.equal(response.status, 401);
  assert.deepEqual(sent, ["key-a", "key-b", "key-c"]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log.filter((line) => line === "body released").length, 2, "the two dropped answers only");
});

test("one key refused with 401 and rotated meanwhile: resent once with the new key, the old answer released", async () => {
  const env: NodeJS.ProcessEnv = { KEY: "old-key" };
  const runtime = provider(env, ["KEY"]);
  const log: string[] = [];
  const sent: string[] = [];
  const answer = dispatchByKey({ "old-key": 401 }, log, sent);
  const handler = credentialsStage()(async (exchange) => {
    const response = await answer(exchange);
    env.KEY = "new-key";
    return response;
  });
  const response = await handler(exchangeFor(runtime));
  assert.equal(response.status, 200);
  assert.deepEqual(sent, ["old-key", "new-key"]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ["finished completed=false", "body released"]);
});

test("one key refused and not rotated: the 401 is the answer, sent once", async () => {
  const runtime = provider({ KEY: "only-key" }, ["KEY"]);
  const sent: string[] = [];
  const handler = credentialsStage()(dispatchByKey({ "only-key": 401 }, [], sent));
  assert.equal((await handler(exchangeFor(runtime))).status, 401);
  assert.deepEqual(sent, ["only-key"]);
});

test("two sidecars' pools on one limiter: a 429 on key 0 seen by one keeps the other off key 0", async () => {
  const limiter = createLocalLimiter();
  const env = { KEY_A: "key-a", KEY_B: "key-b" };
  const [first, second] = [provider(env, ["KEY_A", "KEY_B"]), provider(env, ["KEY_A", "KEY_B"])];
  const sent: string[] = [];
  await credentialsStage({ limiter })(dispatchByKey({ "key-a": 429 }, [], sent))(exchangeFor(first));
  assert.ok(limiter.pausedUntil("openai/key0") > Date.now() + 4_000, "key 0 paused under its scope");
  const other: string[] = [];
  const handler = credentialsStage({ limiter })(dispatchByKey({}, [], other));
  for (let index = 0; index < 3; index++) await handler(exchangeFor(second));
  assert.deepEqual(other, ["key-b", "key-b", "key-b"]);
});

test("a 403 every key gets is the request's doing: two keys asked, both stay in service, the 403 is the answer", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b", KEY_C: "key-c" }, ["KEY_A", "KEY_B", "KEY_C"]);
  const sent: string[] = [];
  // A model this account may not use: every key is refused alike.
  const handler = credentialsStage()(dispatchByKey({ "key-a": 403, "key-b": 403, "key-c": 403 }, [], sent));
  assert.equal((await handler(exchangeFor(runtime))).status, 403);
  assert.deepEqual(sent, ["key-a", "key-b"], "one other key asked, not the whole pool");
  assert.deepEqual(
    runtime.credentials.map((source) => source.status().available),
    [true, true, true],
    "no key set aside (readiness unharmed)",
  );
  const served: string[] = [];
  const healthy = credentialsStage()(dispatchByKey({}, [], served));
  for (let index = 0; index < 3; index++) await healthy(exchangeFor(runtime));
  assert.equal(new Set(served).size, 3, `traffic still spreads over every key: ${served.join(", ")}`);
});

test("a 403 only one key gets is that key's: it is set aside and the other key serves", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b" }, ["KEY_A", "KEY_B"]);
  const sent: string[] = [];
  const handler = credentialsStage()(dispatchByKey({ "key-a": 403 }, [], sent));
  assert.equal((await handler(exchangeFor(runtime))).status, 200);
  assert.deepEqual(sent, ["key-a", "key-b"]);
  assert.equal(runtime.credentials[0]!.status().available, false);
});

test("every key set aside, then the first one serves again: it is back in service", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b" }, ["KEY_A", "KEY_B"]);
  const answers: Record<string, number> = { "key-a": 401, "key-b": 401 };
  const sent: string[] = [];
  const handler = credentialsStage()(dispatchByKey(answers, [], sent));
  assert.equal((await handler(exchangeFor(runtime))).status, 401);
  assert.deepEqual(
    runtime.credentials.map((source) => source.status().available),
    [false, false],
  );
  // The account is fixed upstream: the set-aside key the pool falls back to is accepted.
  answers["key-a"] = 200;
  assert.equal((await handler(exchangeFor(runtime))).status, 200);
  assert.equal(runtime.credentials[0]!.status().available, true);
});

test("a 403 no other key can confirm (the rest set aside) is not held against the key that got it", async () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b" }, ["KEY_A", "KEY_B"]);
  const answers: Record<string, number> = { "key-a": 401 };
  const sent: string[] = [];
  const handler = credentialsStage()(dispatchByKey(answers, [], sent));
  assert.equal((await handler(exchangeFor(runtime))).status, 200, "key A revoked, key B serves");
  // A model the account may not use: key B is refused, and no other key is left to tell whose fault it is.
  answers["key-b"] = 403;
  assert.equal((await handler(exchangeFor(runtime))).status, 403);
  assert.equal(runtime.credentials[1]!.status().available, true, "key B stays in service");
  delete answers["key-b"];
  sent.length = 0;
  for (let index = 0; index < 3; index++) assert.equal((await handler(exchangeFor(runtime))).status, 200);
  assert.deepEqual(sent, ["key-b", "key-b", "key-b"], "served by key B, not stuck on the revoked key A");
});

test("forgiving a 403 never reinstates a key set aside for a 401", () => {
  const runtime = provider({ KEY_A: "key-a", KEY_B: "key-b" }, ["KEY_A", "KEY_B"]);
  const pool = keyPoolOf(runtime.credentials)!;
  const source = runtime.credentials[0]!;
  const keyId = source.status().keyId!;
  pool.report(source, 401, {}, openaiAdapter, Date.now());
  pool.forgive(source, keyId);
  assert.equal(source.status().available, false, "a 401 stands");
  pool.report(source, 403, {}, openaiAdapter, Date.now());
  pool.forgive(source, "another-secret");
  assert.equal(source.status().available, false, "only the secret that got the 403 is forgiven");
  pool.forgive(source, keyId);
  assert.equal(source.status().available, true);
});
