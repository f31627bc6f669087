import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/config-error.ts";
import { parseConfig } from "../../src/config/load-config.ts";

/** The ConfigError message for an invalid document; fails the test if the document is accepted. */
function rejection(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

const custom = { protocol: "openai", baseUrl: "https://llm.example.com" };

// [what, document, a line the message must contain]
const rejections: [string, unknown, string][] = [
  [
    "maxAttempts not an integer",
    { providers: { anthropic: { resilience: { retry: { maxAttempts: "three" } } } } },
    'config: providers.anthropic.resilience.retry.maxAttempts: expected an integer ≥ 1, received "three"',
  ],
  [
    "maxAttempts below 1",
    { providers: { anthropic: { resilience: { retry: { maxAttempts: 0 } } } } },
    "providers.anthropic.resilience.retry.maxAttempts: expected an integer ≥ 1, received 0",
  ],
  [
    "typo in a nested key",
    { providers: { anthropic: { resilience: { retry: { maxAttemps: 5 } } } } },
    'providers.anthropic.resilience.retry.maxAttemps: unknown key (did you mean "maxAttempts"?)',
  ],
  ["typo at the root", { provders: {} }, 'provders: unknown key (did you mean "providers"?)'],
  [
    "unknown key with no near match",
    { listen: { bogus: 1 } },
    "listen.bogus: unknown key (allowed here: proxy, intercept, tls, admin)",
  ],
  ["the root is not a mapping", [1, 2], "config: expected a mapping of configuration keys, received a list"],
  ["duration without a unit", { shutdown: { grace: "25" } }, 'shutdown.grace: duration "25" has no unit'],
  [
    "duration as a number",
    { shutdown: { grace: 25 } },
    "shutdown.grace: expected a duration string with a unit",
  ],
  [
    "bad duration",
    { providers: { anthropic: { resilience: { timeouts: { firstToken: "2 minutes" } } } } },
    'providers.anthropic.resilience.timeouts.firstToken: invalid duration "2 minutes"',
  ],
  [
    "zero timeout",
    { providers: { anthropic: { resilience: { timeouts: { idle: "0s" } } } } },
    'providers.anthropic.resilience.timeouts.idle: expected a duration greater than 0, received "0s"',
  ],
  [
    "bad size",
    { providers: { anthropic: { maxBodySize: "32 parsecs" } } },
    "providers.anthropic.maxBodySize: invalid size",
  ],
  [
    "ratio above 1",
    { providers: { anthropic: { resilience: { breaker: { failureRatio: 1.5 } } } } },
    "failureRatio: expected a number greater than 0 and at most 1, received 1.5",
  ],
  [
    "maxDelay below baseDelay",
    { providers: { anthropic: { resilience: { retry: { baseDelay: "10s", maxDelay: "1s" } } } } },
    "providers.anthropic.resilience.retry.maxDelay: maxDelay must be at least baseDelay",
  ],
  [
    "uppercase provider id",
    { providers: { Anthropic: custom } },
    'providers.Anthropic: expected a provider id of lowercase letters, digits, - and _ (matching ^[a-z0-9][a-z0-9_-]*$), received "Anthropic"',
  ],
  ["provider id starting with -", { providers: { "-x": custom } }, "providers.-x: expected a provider id"],
  [
    "provider id v1",
    { providers: { v1: custom } },
    'providers.v1: provider id "v1" is reserved for the unified /v1/ routes',
  ],
  [
    "custom provider without protocol",
    { providers: { mine: { baseUrl: "https://x.example" } } },
    "providers.mine.protocol: required: expected one of anthropic, openai, vertex-anthropic, bedrock-anthropic, ollama",
  ],
  [
    "custom provider without baseUrl",
    { providers: { mine: { protocol: "openai" } } },
    "providers.mine.baseUrl: required: expected an absolute http(s) URL",
  ],
  [
    "unknown protocol",
    { providers: { mine: { ...custom, protocol: "gemini" } } },
    'providers.mine.protocol: expected one of anthropic, openai, vertex-anthropic, bedrock-anthropic, ollama, received "gemini"',
  ],
  [
    "relative baseUrl",
    { providers: { mine: { ...custom, baseUrl: "/api" } } },
    'providers.mine.baseUrl: expected an absolute http(s) URL, received "/api"',
  ],
  [
    "non-http baseUrl",
    { providers: { mine: { ...custom, baseUrl: "ftp://x.example" } } },
    'providers.mine.baseUrl: expected an http or https URL, received scheme "ftp"',
  ],
  [
    "baseUrl with credentials",
    { providers: { mine: { ...custom, baseUrl: "https://user:pw@x.example" } } },
    "providers.mine.baseUrl: a URL must not carry a user name or password",
  ],
  [
    "baseUrl with a query",
    { providers: { mine: { ...custom, baseUrl: "https://x.example/?key=1" } } },
    "providers.mine.baseUrl: a URL must not carry a query string or fragment",
  ],
  [
    "host with a scheme",
    { providers: { mine: { ...custom, hosts: ["https://x.example"] } } },
    'providers.mine.hosts[0]: expected a host name such as api.anthropic.com (no scheme or port), received "https://x.example"',
  ],
  [
    "two providers claim one host",
    {
      listen: { tls: "127.0.0.1:8443" },
      intercept: { ca: { generate: "/tmp/ca" } },
      providers: {
        anthropic: {},
        "anthropic-eu": { protocol: "anthropic", baseUrl: "https://api.anthropic.com" },
      },
    },
    'providers.anthropic-eu.hosts[0]: host api.anthropic.com is already claimed by provider "anthropic"',
  ],
  [
    "fallback to an unknown provider",
    { providers: { anthropic: { fallback: [{ provider: "deepsek" }] } } },
    'providers.anthropic.fallback[0].provider: unknown provider "deepsek" (configured: anthropic)',
  ],
  [
    "model rule to an unknown provider",
    { models: [{ match: "x-*", provider: "ghost" }] },
    'models[0].provider: unknown provider "ghost" (configured: anthropic, deepseek, openai)',
  ],
  [
    "model fallback to an unknown provider",
    { models: [{ match: "x-*", provider: "openai", fallback: [{ provider: "ghost" }] }] },
    'models[0].fallback[0].provider: unknown provider "ghost"',
  ],
  ["model rule without match", { models: [{ provider: "openai" }] }, "models[0].match: required"],
  [
    "port out of range",
    { listen: { proxy: "127.0.0.1:70000" } },
    'listen.proxy: expected host:port with a port from 0 to 65535, e.g. "127.0.0.1:7700" or "[::1]:7700", received "127.0.0.1:70000"',
  ],
  ["listen without a port", { listen: { admin: "0.0.0.0" } }, "listen.admin: expected host:port"],
  ["IPv6 without brackets", { listen: { proxy: "::1:7700" } }, "listen.proxy: expected host:port"],
  ["bracketed non-IPv6", { listen: { proxy: "[nope]:7700" } }, "listen.proxy: expected host:port"],
  [
    "two listeners on one port",
    { listen: { proxy: "127.0.0.1:7700", admin: "0.0.0.0:7700" } },
    "listen.admin: port 7700 is already used by listen.proxy",
  ],
  [
    "listen as a number",
    { listen: { proxy: 7700 } },
    'listen.proxy: expected host:port with a port from 0 to 65535, e.g. "127.0.0.1:7700" or "[::1]:7700", received 7700',
  ],
  [
    "vertex protocol without vertex",
    {
      providers: {
        v: { protocol: "vertex-anthropic", baseUrl: "https://us-east5-aiplatform.googleapis.com" },
      },
    },
    "providers.v.vertex: required when protocol is vertex-anthropic",
  ],
  [
    "vertex block on another protocol",
    { providers: { mine: { ...custom, vertex: { project: "p", region: "r" } } } },
    "providers.mine.vertex: only allowed when protocol is vertex-anthropic",
  ],
  [
    "warm above connections",
    { providers: { anthropic: { pool: { connections: 4, warm: 8 } } } },
    "providers.anthropic.pool.warm: pool.warm must not exceed pool.connections",
  ],
  [
    "credential with two kinds",
    { providers: { anthropic: { credentials: [{ env: "A", file: "/b" }] } } },
    "providers.anthropic.credentials[0]: expected a credential: one of env, file, exec, jwt, oauth2, aws, but found env and file",
  ],
  [
    "credential typo",
    { providers: { anthropic: { credentials: [{ evn: "A" }] } } },
    'providers.anthropic.credentials[0].evn: unknown key (did you mean "env"?)',
  ],
  [
    "env name with a dash",
    { providers: { anthropic: { credentials: [{ env: "MY-KEY" }] } } },
    'providers.anthropic.credentials[0].env: expected an environment variable name such as ANTHROPIC_API_KEY, received "MY-KEY"',
  ],
  [
    "credentials not a list",
    { providers: { anthropic: { credentials: { env: "A" } } } },
    "providers.anthropic.credentials: expected a list of credentials, received a mapping",
  ],
  [
    "exec with an empty command",
    { providers: { anthropic: { credentials: [{ exec: { command: [] } }] } } },
    "providers.anthropic.credentials[0].exec.command: expected a non-empty command list",
  ],
  [
    "jwt unknown algorithm",
    { providers: { anthropic: { credentials: [{ jwt: { algorithm: "none", key: { env: "K" } } }] } } },
    'providers.anthropic.credentials[0].jwt.algorithm: expected one of HS256, HS384, HS512, RS256, ES256, received "none"',
  ],
  [
    "jwt refreshBefore not below lifetime",
    {
      providers: {
        anthropic: {
          credentials: [
            { jwt: { algorithm: "HS256", key: { env: "K" }, lifetime: "5m", refreshBefore: "5m" } },
          ],
        },
      },
    },
    "providers.anthropic.credentials[0].jwt.refreshBefore: refreshBefore must be shorter than lifetime",
  ],
  [
    "oauth2 unknown grant",
    { providers: { anthropic: { credentials: [{ oauth2: { grant: "password" } }] } } },
    'providers.anthropic.credentials[0].oauth2.grant: expected client_credentials or jwt_bearer, received "password"',
  ],
  [
    "oauth2 missing clientSecret",
    {
      providers: {
        anthropic: {
          credentials: [
            {
              oauth2: { grant: "client_credentials", tokenUrl: "https://idp/token", clientId: { env: "ID" } },
            },
          ],
        },
      },
    },
    "providers.anthropic.credentials[0].oauth2.clientSecret: required: expected a secret reference { env: NAME } or { file: PATH }",
  ],
  [
    "oauth2 bad authMethod",
    {
      providers: {
        anthropic: {
          credentials: [
            {
              oauth2: {
                grant: "client_credentials",
                tokenUrl: "https://idp/token",
                clientId: { env: "ID" },
                clientSecret: { env: "S" },
                authMethod: "private_key_jwt",
              },
            },
          ],
        },
      },
    },
    "oauth2.authMethod: expected one of client_secret_post, client_secret_basic",
  ],
  [
    "aws without region",
    {
      providers: {
        anthropic: { credentials: [{ aws: { accessKeyId: { env: "A" }, secretAccessKey: { env: "B" } } }] },
      },
    },
    "providers.anthropic.credentials[0].aws.region: required",
  ],
  [
    "tls version",
    { providers: { anthropic: { tls: { minVersion: "TLSv1.1" } } } },
    'providers.anthropic.tls.minVersion: expected one of TLSv1.2, TLSv1.3, received "TLSv1.1"',
  ],
  [
    "passthrough value",
    { intercept: { passthrough: "block" } },
    'intercept.passthrough: expected one of allow, deny, received "block"',
  ],
  [
    "intercept door without a CA",
    { listen: { intercept: "127.0.0.1:7701" } },
    "intercept.ca: required when listen.intercept is set",
  ],
  [
    "ca with both forms",
    { intercept: { ca: { cert: "/a", key: "/b", generate: "/c" } } },
    "intercept.ca: expected a CA: { cert: PATH, key: PATH } or { generate: DIR }, but found cert and generate",
  ],
  [
    "ca cert without key",
    { intercept: { ca: { cert: "/a" } } },
    "intercept.ca.key: required: expected a file path",
  ],
  [
    "redis url scheme",
    { redis: { url: "http://127.0.0.1:6379" } },
    'redis.url: expected a redis:// or rediss:// URL, received "http://127.0.0.1:6379"',
  ],
  [
    "auth with both forms",
    { auth: { token: { env: "T" }, jwks: { file: "/j" } } },
    "auth: expected inbound auth",
  ],
  [
    "jwks url scheme",
    { auth: { jwks: { url: "file:///jwks.json" } } },
    'auth.jwks.url: expected an http or https URL, received scheme "file"',
  ],
  [
    "access log level",
    { telemetry: { accessLog: { level: "verbose" } } },
    'telemetry.accessLog.level: expected one of trace, debug, info, warn, error, fatal, silent, received "verbose"',
  ],
  [
    "captureContent not a boolean",
    { telemetry: { captureContent: "yes" } },
    'telemetry.captureContent: expected true or false, received "yes"',
  ],
  [
    "maxModels zero",
    { telemetry: { metrics: { maxModels: 0 } } },
    "telemetry.metrics.maxModels: expected an integer ≥ 1, received 0",
  ],
  [
    "pacing not an integer",
    { providers: { anthropic: { resilience: { pacing: { requestsPerMinute: 0.5 } } } } },
    "pacing.requestsPerMinute: expected an integer ≥ 1, received 0.5",
  ],
];

for (const [what, raw, line] of rejections) {
  test(`rejects: ${what}`, () => {
    const error = rejection(raw);
    assert.ok(error.message.includes(line), `message:\n${error.message}\nshould contain:\n${line}`);
    assert.ok(error.problems.length >= 1);
  });
}

test("an inline secret where a secret reference belongs is rejected without echoing it", () => {
  const secret = "sk-ant-api03-very-secret-value";
  for (const raw of [
    { providers: { anthropic: { credentials: [secret] } } },
    { providers: { anthropic: { credentials: [{ jwt: { algorithm: "HS256", key: secret } }] } } },
    { auth: { token: secret } },
    { redis: { url: "redis://127.0.0.1", password: secret } },
  ]) {
    const error = rejection(raw);
    assert.ok(!error.message.includes(secret), error.message);
    assert.match(error.message, /received a string/);
  }
});

test("a password in a mistyped URL is not echoed", () => {
  const error = rejection({ redis: { url: "http://:hunter2@127.0.0.1:6379" } });
  assert.ok(!error.message.includes("hunter2"), error.message);
  assert.match(
    error.message,
    /redis\.url: expected a redis:\/\/ or rediss:\/\/ URL, received "http:\/\/:<redacted>@127\.0\.0\.1:6379"/,
  );
});

test("several problems are all reported, one per line", () => {
  const error = rejection({ listen: { proxy: "x" }, shutdown: { grace: "soon" }, extra: true });
  assert.equal(error.problems.length, 3);
  const lines = error.message.split("\n");
  assert.equal(lines[0], "invalid configuration (3 problems):");
  assert.deepEqual(error.problems.map((problem) => problem.path).sort(), [
    "extra",
    "listen.proxy",
    "shutdown.grace",
  ]);
});

test("accepted edge cases: port 0, IPv6, host names, base URL prefixes, explicit hosts", () => {
  const config = parseConfig({
    listen: { proxy: "[::1]:0", admin: "localhost:65535", tls: "[fe80::1%eth0]:443" },
    intercept: { ca: { generate: "/var/run/outrigger/ca" } },
    providers: {
      gateway: {
        ...custom,
        baseUrl: "https://Gateway.Example.com:8443/llm/openai/",
        hosts: ["API.Example.com", "*.example.org"],
      },
      empty: { ...custom, baseUrl: "http://127.0.0.1:11434", hosts: [] },
    },
    models: [{ match: "*", provider: "gateway" }],
  });
  assert.equal(config.listen.proxy, "[::1]:0");
  assert.equal(config.providers.gateway?.baseUrl, "https://gateway.example.com:8443/llm/openai");
  assert.deepEqual(config.providers.gateway?.hosts, ["api.example.com", "*.example.org"]);
  assert.deepEqual(config.providers.empty?.hosts, []);
  assert.equal(config.providers.empty?.baseUrl, "http://127.0.0.1:11434");
});

test("without the intercept and TLS doors, two providers may share an upstream host", () => {
  const config = parseConfig({
    providers: {
      anthropic: {},
      "anthropic-eu": { protocol: "anthropic", baseUrl: "https://api.anthropic.com" },
    },
  });
  assert.deepEqual(config.providers["anthropic-eu"]?.hosts, ["api.anthropic.com"]);
});

test("providers may fall back to another model on the same provider", () => {
  const config = parseConfig({
    providers: { anthropic: { fallback: [{ provider: "anthropic", model: "claude-haiku-4-5" }] } },
  });
  assert.deepEqual(config.providers.anthropic?.fallback, [
    { provider: "anthropic", model: "claude-haiku-4-5" },
  ]);
});
