import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config.ts";

const docs = new URL("../../docs/configuration.md", import.meta.url);

// The documented examples are the public contract: they must stay valid as the schema grows.
test("every YAML example in docs/configuration.md is a valid config", async () => {
  const text = await readFile(docs, "utf8");
  const examples = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(examples.length >= 2, "the minimal and the full example");
  for (const example of examples) parseConfigText(example, "docs/configuration.md");
  const full = parseConfigText(examples.at(-1)!, "docs/configuration.md");
  assert.deepEqual(Object.keys(full.providers), [
    "anthropic",
    "deepseek",
    "internal-gateway",
    "vertex",
    "bedrock",
    "local",
  ]);
  assert.equal(full.providers.anthropic?.resilience.pacing.requestsPerMinute, 500);
});

test("docs/configuration.md documents every key the schema accepts", async () => {
  const text = await readFile(docs, "utf8");
  const keys = [
    "listen.proxy",
    "listen.intercept",
    "listen.tls",
    "listen.admin",
    "protocol",
    "baseUrl",
    "hosts",
    "credentials",
    "tls.minVersion",
    "tls.ca",
    "pool.connections",
    "pool.warm",
    "maxBodySize",
    "resilience",
    "fallback",
    "vertex.project",
    "vertex.region",
    "retry.maxAttempts",
    "retry.baseDelay",
    "retry.maxDelay",
    "retry.maxWait",
    "retry.budgetRatio",
    "breaker.failureRatio",
    "breaker.minRequests",
    "breaker.window",
    "breaker.halfOpenAfter",
    "timeouts.connect",
    "timeouts.firstByte",
    "timeouts.firstToken",
    "timeouts.idle",
    "timeouts.total",
    "bulkhead.maxConcurrent",
    "bulkhead.maxQueued",
    "bulkhead.queueTimeout",
    "pacing.requestsPerMinute",
    "pacing.tokensPerMinute",
    "models[].match",
    "models[].provider",
    "models[].fallback",
    "intercept.ca",
    "intercept.passthrough",
    "intercept.leafValidity",
    "redis.url",
    "redis.keyPrefix",
    "redis.password",
    "telemetry.tracing.enabled",
    "telemetry.tracing.propagateUpstream",
    "telemetry.captureContent",
    "telemetry.accessLog.enabled",
    "telemetry.accessLog.level",
    "telemetry.metrics.maxModels",
    "shutdown.grace",
  ];
  for (const key of keys) assert.ok(text.includes(`\`${key}\``), `${key} is documented`);
  for (const field of [
    "ttl",
    "timeout",
    "algorithm",
    "claims",
    "lifetime",
    "refreshBefore",
    "header",
    "tokenUrl",
    "clientId",
    "clientSecret",
    "scope",
    "audience",
    "authMethod",
    "serviceAccount",
    "region",
    "accessKeyId",
    "secretAccessKey",
    "sessionToken",
  ]) {
    assert.ok(text.includes(`\`${field}\``), `credential field ${field} is documented`);
  }
});
