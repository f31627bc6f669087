import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { defaultConfig } from "../../src/config/default-config.ts";
import { parseConfig } from "../../src/config/load-config.ts";
import { redactConfig, redactUrl, renderConfig } from "../../src/config/redact-config.ts";

const busy = {
  listen: { intercept: "127.0.0.1:7701" },
  intercept: { ca: { generate: "/var/run/outrigger/ca" }, leafValidity: "36h" },
  providers: {
    anthropic: {
      credentials: [
        { env: "ANTHROPIC_API_KEY" },
        { exec: { command: ["print-token"], ttl: "45m" } },
        {
          jwt: {
            algorithm: "HS512",
            key: { file: "/jwt.key" },
            claims: { iss: "app", token: "inline-claim" },
          },
        },
      ],
      maxBodySize: 1536,
      resilience: { retry: { baseDelay: "1.5s" }, timeouts: { total: "1h30m" } },
    },
  },
  redis: {
    url: "rediss://worker:hunter2@redis.internal:6380/0?password=hunter3",
    password: { env: "REDIS_PASSWORD" },
  },
  auth: { jwks: { url: "https://idp.example/jwks.json" }, audience: "outrigger" },
};

test("the rendered config is valid YAML that parses back to the same config", () => {
  // Without inline secrets, nothing is redacted, so nothing is lost.
  const clean = {
    ...busy,
    providers: {
      anthropic: {
        ...busy.providers.anthropic,
        credentials: busy.providers.anthropic.credentials.slice(0, 2),
      },
    },
    redis: { url: "redis://redis.internal:6379", password: { env: "REDIS_PASSWORD" } },
  };
  for (const config of [defaultConfig(), parseConfig(clean)]) {
    assert.deepEqual(parseConfig(parse(renderConfig(config))), config);
  }
});

test("durations and sizes print in units", () => {
  const printed = redactConfig(parseConfig(busy)) as {
    providers: {
      anthropic: { maxBodySize: unknown; resilience: { retry: { baseDelay: unknown }; timeouts: unknown } };
    };
    intercept: { leafValidity: unknown };
    shutdown: { grace: unknown };
  };
  const anthropic = printed.providers.anthropic;
  assert.equal(anthropic.maxBodySize, 1536);
  assert.equal(anthropic.resilience.retry.baseDelay, "1.5s");
  assert.deepEqual(anthropic.resilience.timeouts, {
    connect: "5s",
    firstByte: "1m",
    firstToken: "2m",
    idle: "1m",
    total: "1h30m",
  });
  assert.equal(printed.intercept.leafValidity, "36h");
  assert.equal(printed.shutdown.grace, "25s");
  assert.match(renderConfig(defaultConfig()), /maxBodySize: 32MiB/);
});

test("secret references print as names; inline secret-ish values never print", () => {
  const text = renderConfig(parseConfig(busy));
  assert.ok(!text.includes("hunter2"), text);
  assert.ok(!text.includes("hunter3"), text);
  assert.ok(!text.includes("inline-claim"), text);
  assert.match(text, /url: rediss:\/\/worker:<redacted>@redis\.internal:6380\/0\?password=<redacted>/);
  assert.match(text, /- env: ANTHROPIC_API_KEY/);
  assert.match(text, /password:\n {4}env: REDIS_PASSWORD/);
  assert.match(text, /key:\n {12}file: \/jwt\.key/);
  assert.match(text, /iss: app/);
  assert.match(text, /passthrough: allow/);
});

test("redactUrl keeps URLs without secrets unchanged", () => {
  assert.equal(redactUrl("https://api.anthropic.com"), "https://api.anthropic.com");
  assert.equal(redactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  assert.equal(redactUrl("not a url"), "not a url");
  assert.equal(redactUrl("redis://:pw@host:6379"), "redis://:<redacted>@host:6379");
  assert.equal(redactUrl("https://x.example/v1?key=AIza123"), "https://x.example/v1?key=<redacted>");
});
