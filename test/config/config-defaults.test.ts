import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultConfig } from "../../src/config/default-config.ts";
import { parseConfig } from "../../src/config/load-config.ts";

const defaultResilience = {
  retry: { maxAttempts: 3, baseDelay: 500, maxDelay: 8000, maxWait: 30_000, budgetRatio: 0.2 },
  breaker: { failureRatio: 0.5, minRequests: 20, window: 10_000, halfOpenAfter: 30_000 },
  timeouts: { connect: 5000, firstByte: 60_000, firstToken: 120_000, idle: 60_000, total: 600_000 },
  bulkhead: { maxConcurrent: 256, maxQueued: 1024, queueTimeout: 30_000 },
  pacing: {},
};

function builtin(protocol: string, baseUrl: string, host: string, env: string) {
  return {
    protocol,
    baseUrl,
    hosts: [host],
    credentials: [{ env }],
    tls: { minVersion: "TLSv1.2" },
    pool: { connections: 64, warm: 5 },
    maxBodySize: 32 * 1024 * 1024,
    resilience: defaultResilience,
    fallback: [],
  };
}

test("with no file the config is the three built-in providers on the default ports", () => {
  assert.deepEqual(defaultConfig(), {
    listen: { proxy: "127.0.0.1:7700", admin: "127.0.0.1:7702" },
    providers: {
      anthropic: builtin("anthropic", "https://api.anthropic.com", "api.anthropic.com", "ANTHROPIC_API_KEY"),
      deepseek: builtin("openai", "https://api.deepseek.com", "api.deepseek.com", "DEEPSEEK_API_KEY"),
      openai: builtin("openai", "https://api.openai.com", "api.openai.com", "OPENAI_API_KEY"),
    },
    models: [
      { match: "claude-*", provider: "anthropic", fallback: [] },
      { match: "deepseek-*", provider: "deepseek", fallback: [] },
      { match: "gpt-*", provider: "openai", fallback: [] },
      { match: "o1*", provider: "openai", fallback: [] },
      { match: "o3*", provider: "openai", fallback: [] },
      { match: "o4*", provider: "openai", fallback: [] },
    ],
    intercept: { passthrough: "allow", leafValidity: 24 * 3_600_000 },
    telemetry: {
      tracing: { propagateUpstream: false },
      captureContent: false,
      accessLog: { enabled: true, level: "info" },
      metrics: { maxModels: 50 },
    },
    shutdown: { grace: 25_000 },
  });
});

test("defaultConfig returns a fresh object each call", () => {
  const first = defaultConfig();
  assert.notEqual(first, defaultConfig());
  assert.notEqual(first.providers.anthropic, defaultConfig().providers.anthropic);
});

test("an empty document, and a file without providers, get the built-in providers and model rules", () => {
  assert.deepEqual(parseConfig({}), defaultConfig());
  assert.deepEqual(parseConfig(null), defaultConfig());
  const config = parseConfig({ shutdown: { grace: "5s" } });
  assert.deepEqual(Object.keys(config.providers), ["anthropic", "deepseek", "openai"]);
  assert.equal(config.models.length, 6);
  assert.equal(config.shutdown.grace, 5000);
});

test("a built-in id may omit protocol, baseUrl and credentials; a YAML null means all defaults", () => {
  const config = parseConfig({
    providers: { anthropic: null, deepseek: { pool: { connections: 8, warm: 2 } } },
  });
  assert.deepEqual(config.providers.anthropic, defaultConfig().providers.anthropic);
  assert.equal(config.providers.deepseek?.protocol, "openai");
  assert.equal(config.providers.deepseek?.baseUrl, "https://api.deepseek.com");
  assert.deepEqual(config.providers.deepseek?.credentials, [{ env: "DEEPSEEK_API_KEY" }]);
  assert.deepEqual(config.providers.deepseek?.pool, { connections: 8, warm: 2 });
  // Without `models`, only the built-in rules whose provider is configured apply.
  assert.deepEqual(
    config.models.map((rule) => rule.match),
    ["claude-*", "deepseek-*"],
  );
  assert.equal(config.providers.openai, undefined);
});

test("a built-in id's explicit values win over the built-in ones", () => {
  const config = parseConfig({
    providers: {
      openai: { baseUrl: "https://gateway.internal/openai/", credentials: [{ file: "/run/secrets/openai" }] },
    },
  });
  assert.equal(config.providers.openai?.baseUrl, "https://gateway.internal/openai");
  assert.deepEqual(config.providers.openai?.hosts, ["gateway.internal"]);
  assert.deepEqual(config.providers.openai?.credentials, [{ file: "/run/secrets/openai" }]);
});

test("explicit models replace the built-in rules", () => {
  const config = parseConfig({ models: [{ match: "*", provider: "deepseek" }] });
  assert.deepEqual(config.models, [{ match: "*", provider: "deepseek", fallback: [] }]);
});

test("every credential kind parses with its documented defaults", () => {
  const config = parseConfig({
    providers: {
      mine: {
        protocol: "anthropic",
        baseUrl: "https://llm.example.com",
        credentials: [
          { env: "ANTHROPIC_API_KEY" },
          { file: "/var/run/secrets/outrigger/anthropic" },
          { exec: { command: ["print-token", "--json"] } },
          { jwt: { algorithm: "HS512", key: { env: "JWT_SECRET" }, claims: { iss: "app" } } },
          {
            oauth2: {
              grant: "client_credentials",
              tokenUrl: "https://idp/token",
              clientId: { env: "ID" },
              clientSecret: { env: "SECRET" },
              scope: "x",
            },
          },
          { oauth2: { grant: "jwt_bearer", serviceAccount: { file: "/sa.json" }, scope: "s" } },
          {
            aws: {
              region: "us-east-1",
              accessKeyId: { env: "AWS_ACCESS_KEY_ID" },
              secretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" },
              sessionToken: { env: "AWS_SESSION_TOKEN" },
            },
          },
        ],
      },
    },
  });
  assert.deepEqual(config.providers.mine?.credentials, [
    { env: "ANTHROPIC_API_KEY" },
    { file: "/var/run/secrets/outrigger/anthropic" },
    { exec: { command: ["print-token", "--json"], ttl: 50 * 60_000, timeout: 10_000 } },
    {
      jwt: {
        algorithm: "HS512",
        key: { env: "JWT_SECRET" },
        claims: { iss: "app" },
        lifetime: 60 * 60_000,
        refreshBefore: 5 * 60_000,
        header: "authorization",
      },
    },
    {
      oauth2: {
        grant: "client_credentials",
        tokenUrl: "https://idp/token",
        clientId: { env: "ID" },
        clientSecret: { env: "SECRET" },
        scope: "x",
        authMethod: "client_secret_post",
      },
    },
    { oauth2: { grant: "jwt_bearer", serviceAccount: { file: "/sa.json" }, scope: "s" } },
    {
      aws: {
        region: "us-east-1",
        accessKeyId: { env: "AWS_ACCESS_KEY_ID" },
        secretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" },
        sessionToken: { env: "AWS_SESSION_TOKEN" },
      },
    },
  ]);
  // A custom provider gets no credentials unless it names some (Ollama needs none).
  const bare = parseConfig({
    providers: { local: { protocol: "ollama", baseUrl: "http://127.0.0.1:11434" } },
  });
  assert.deepEqual(bare.providers.local?.credentials, []);
});

test("the full DESIGN §10 example parses with the values it shows", () => {
  const config = parseConfig({
    listen: {
      proxy: "127.0.0.1:7700",
      intercept: "127.0.0.1:7701",
      tls: "127.0.0.1:443",
      admin: "0.0.0.0:7702",
    },
    providers: {
      anthropic: {
        protocol: "anthropic",
        baseUrl: "https://api.anthropic.com",
        hosts: ["api.anthropic.com"],
        tls: { minVersion: "TLSv1.3", ca: "/extra-ca.pem" },
        pool: { connections: 64, warm: 5 },
        maxBodySize: "32MiB",
        resilience: {
          retry: { maxAttempts: 3, baseDelay: "500ms", maxDelay: "8s", maxWait: "30s", budgetRatio: 0.2 },
          breaker: { failureRatio: 0.5, minRequests: 20, window: "10s", halfOpenAfter: "30s" },
          timeouts: { connect: "5s", firstByte: "60s", firstToken: "120s", idle: "60s", total: "10m" },
          bulkhead: { maxConcurrent: 256, maxQueued: 1024, queueTimeout: "30s" },
          pacing: { requestsPerMinute: 500, tokensPerMinute: 200000 },
        },
        fallback: [{ provider: "deepseek", model: "deepseek-chat" }],
      },
      deepseek: {},
      vertex: {
        protocol: "vertex-anthropic",
        baseUrl: "https://us-east5-aiplatform.googleapis.com",
        vertex: { project: "my-project", region: "us-east5" },
        credentials: [{ oauth2: { grant: "jwt_bearer", serviceAccount: { file: "/sa.json" } } }],
      },
      bedrock: {
        protocol: "bedrock-anthropic",
        baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
        credentials: [
          {
            aws: {
              region: "us-east-1",
              accessKeyId: { env: "AWS_ACCESS_KEY_ID" },
              secretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" },
            },
          },
        ],
      },
    },
    models: [
      { match: "claude-*", provider: "anthropic" },
      {
        match: "deepseek-*",
        provider: "deepseek",
        fallback: [{ provider: "anthropic", model: "claude-sonnet-4-5" }],
      },
    ],
    intercept: {
      ca: { cert: "/etc/outrigger/ca/ca.pem", key: "/etc/outrigger/ca/ca-key.pem" },
      passthrough: "deny",
      leafValidity: "12h",
    },
    redis: { url: "redis://127.0.0.1:6379" },
    auth: { token: { env: "OUTRIGGER_POD_TOKEN" } },
    telemetry: {
      tracing: { enabled: true, propagateUpstream: true },
      captureContent: true,
      accessLog: { enabled: false, level: "warn" },
    },
    shutdown: { grace: "10s" },
  });
  assert.equal(config.listen.intercept, "127.0.0.1:7701");
  assert.equal(config.listen.tls, "127.0.0.1:443");
  assert.deepEqual(config.providers.anthropic?.tls, { minVersion: "TLSv1.3", ca: "/extra-ca.pem" });
  assert.deepEqual(config.providers.anthropic?.resilience.pacing, {
    requestsPerMinute: 500,
    tokensPerMinute: 200000,
  });
  assert.deepEqual(config.providers.anthropic?.fallback, [{ provider: "deepseek", model: "deepseek-chat" }]);
  assert.deepEqual(config.providers.vertex?.vertex, { project: "my-project", region: "us-east5" });
  assert.deepEqual(config.providers.vertex?.hosts, ["us-east5-aiplatform.googleapis.com"]);
  assert.equal(config.providers.bedrock?.protocol, "bedrock-anthropic");
  assert.deepEqual(config.models[1]?.fallback, [{ provider: "anthropic", model: "claude-sonnet-4-5" }]);
  assert.deepEqual(config.intercept, {
    ca: { cert: "/etc/outrigger/ca/ca.pem", key: "/etc/outrigger/ca/ca-key.pem" },
    passthrough: "deny",
    leafValidity: 12 * 3_600_000,
  });
  assert.deepEqual(config.redis, { url: "redis://127.0.0.1:6379", keyPrefix: "outrigger:" });
  assert.deepEqual(config.auth, { token: { env: "OUTRIGGER_POD_TOKEN" } });
  assert.deepEqual(config.telemetry, {
    tracing: { enabled: true, propagateUpstream: true },
    captureContent: true,
    accessLog: { enabled: false, level: "warn" },
    metrics: { maxModels: 50 },
  });
  assert.equal(config.shutdown.grace, 10_000);
});
