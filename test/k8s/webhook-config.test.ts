// The webhook's own config: defaults, overrides from YAML, and errors that name the bad key.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadWebhookConfig, parseWebhookConfig } from "../../src/k8s/webhook-config.ts";

test("no file gives the documented defaults", async () => {
  const config = await loadWebhookConfig();
  assert.equal(config.sidecar.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(config.sidecar.args, ["serve"]);
  assert.deepEqual(config.sidecar.ports, { proxy: 7700, intercept: 7701, admin: 7702 });
  assert.equal(config.sidecar.shutdownGrace, 25);
  assert.deepEqual(config.sidecar.resources, {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { memory: "256Mi" },
  });
  assert.equal(config.sidecar.configMap, "outrigger-sidecar");
  assert.equal(config.sidecar.secret, "outrigger-provider-keys");
  assert.deepEqual(config.defaults, { intercept: "none", providers: ["anthropic", "openai", "deepseek"] });
  assert.equal(config.providers.openai?.path, "/openai/v1");
});

test("a YAML file overrides nested keys and keeps the other defaults", async () => {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-webhook-config-"));
  try {
    const file = join(directory, "webhook.yaml");
    writeFileSync(
      file,
      [
        "sidecar:",
        "  image: registry.example.com/outrigger:2.0.0",
        "  shutdownGrace: 1m",
        "  ports: { admin: 9090 }",
        "  env: [{ name: OTEL_EXPORTER_OTLP_ENDPOINT, value: 'http://jaeger-collector.observability:4318' }]",
        "defaults: { intercept: proxy, providers: [anthropic] }",
      ].join("\n"),
    );
    const config = await loadWebhookConfig(file);
    assert.equal(config.sidecar.image, "registry.example.com/outrigger:2.0.0");
    assert.equal(config.sidecar.shutdownGrace, 60);
    assert.deepEqual(config.sidecar.ports, { proxy: 7700, intercept: 7701, admin: 9090 });
    assert.equal(config.defaults.intercept, "proxy");
    assert.equal(config.sidecar.env[0]?.name, "OTEL_EXPORTER_OTLP_ENDPOINT");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("bad keys are rejected with their path", () => {
  assert.throws(() => parseWebhookConfig({ sidecar: { imag: "x" } }), /sidecar: Unrecognized key/);
  assert.throws(
    () => parseWebhookConfig({ sidecar: { adminPortName: "outrigger-metrics" } }),
    /sidecar\.adminPortName/,
  );
  assert.throws(
    () => parseWebhookConfig({ sidecar: { resources: { requests: { cpu: "lots" } } } }),
    /sidecar\.resources\.requests\.cpu/,
  );
  assert.throws(
    () => parseWebhookConfig({ defaults: { providers: ["mystery"] } }),
    /defaults\.providers\.0: unknown provider 'mystery'/,
  );
  assert.throws(() => parseWebhookConfig({ sidecar: { shutdownGrace: "soon" } }), /sidecar\.shutdownGrace/);
});
