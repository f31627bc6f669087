// deploy/observability: Jaeger on OTLP 4318, scrape config and alert rules promtool accepts, dashboards and rules naming only real metrics.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { parseWebhookConfig } from "../../src/k8s/webhook-config.ts";
import { repositoryRoot } from "../support/child-sidecar.ts";
import { type Harness, startHarness } from "../support/sidecar-harness.ts";
import { promtoolAvailable, promtoolPath } from "./prometheus-text.ts";

const folder = join(repositoryRoot, "deploy/observability");
type Json = Record<string, unknown>;

function documents(file: string): Json[] {
  return parseAllDocuments(readFileSync(join(folder, file), "utf8")).map(
    (document) => document.toJSON() as Json,
  );
}

function promtool(args: string[]): { status: number | null; output: string } {
  assert.ok(promtoolAvailable(), "promtool is missing: apt-get install prometheus (.ci/run does)");
  const result = spawnSync(promtoolPath, args, { encoding: "utf8", timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const scratch = mkdtempSync(join(tmpdir(), "outrigger-observability-"));

test("Jaeger v2 all-in-one receives OTLP/HTTP on 4318, listening beyond localhost, behind jaeger-collector", () => {
  const [deployment, collector, query] = documents("jaeger.yaml") as [Json, Json, Json];
  const container = (((deployment.spec as Json).template as Json).spec as { containers: Json[] })
    .containers[0] as {
    image: string;
    env: { name: string; value: string }[];
    ports: { name: string; containerPort: number }[];
  };
  assert.match(container.image, /^jaegertracing\/jaeger:2\./, "Jaeger v2");
  assert.ok(container.ports.some((port) => port.containerPort === 4318 && port.name === "otlp-http"));
  assert.deepEqual(
    container.env.find((variable) => variable.name === "JAEGER_LISTEN_HOST"),
    { name: "JAEGER_LISTEN_HOST", value: "0.0.0.0" },
  );
  assert.equal((collector.metadata as Json).name, "jaeger-collector");
  const ports = (collector.spec as { ports: { port: number; targetPort: string }[] }).ports;
  assert.ok(ports.some((port) => port.port === 4318 && port.targetPort === "otlp-http"));
  assert.equal((query.metadata as Json).name, "jaeger-query");
  // The chart's values.yaml example points the sidecars here.
  const values = readFileSync(join(repositoryRoot, "charts/outrigger/values.yaml"), "utf8");
  assert.ok(values.includes("http://jaeger-collector.observability:4318"));
});

test("the sidecar scrape job passes promtool check config and finds sidecars by their admin port's name alone", () => {
  const [configMap] = documents("prometheus-scrape-config.yaml") as [Json];
  const job = (configMap.data as Record<string, string>)["outrigger-scrape.yaml"] as string;
  const file = join(scratch, "prometheus.yml");
  // Debian's promtool is built without Kubernetes discovery: the job is checked with a static target
  // in its place (the relabelling, which is what could be wrong, is checked as written).
  assert.match(job, /kubernetes_sd_configs:\n\s+- role: pod\n/);
  const checkable = job.replace(
    /kubernetes_sd_configs:\n\s+- role: pod\n/,
    'static_configs:\n          - targets: ["127.0.0.1:7702"]\n',
  );
  writeFileSync(file, `global:\n  scrape_interval: 30s\n${checkable}`);
  const result = promtool(["check", "config", "--syntax-only", file]);
  assert.equal(result.status, 0, result.output);
  const portName = parseWebhookConfig({}).sidecar.adminPortName;
  assert.ok(job.includes(`regex: ${portName}`), `keeps port ${portName}`);
  // The prometheus.io/* annotations may be the app's own (the webhook leaves them alone then): an address
  // or path taken from them would scrape the app instead of the sidecar.
  assert.doesNotMatch(job, /prometheus_io_(port|path|scrape)/);
  assert.doesNotMatch(job, /target_label: __address__/);
});

test("PodMonitor and ServiceMonitor scrape the webhook's admin port name", () => {
  const portName = parseWebhookConfig({}).sidecar.adminPortName;
  const [podMonitor] = documents("prometheus-operator/podmonitor.yaml") as [Json];
  assert.equal(podMonitor.kind, "PodMonitor");
  const endpoints = (podMonitor.spec as { podMetricsEndpoints: { port: string; path: string }[] })
    .podMetricsEndpoints;
  assert.deepEqual([endpoints[0]?.port, endpoints[0]?.path], [portName, "/metrics"]);
  const monitors = documents("prometheus-operator/servicemonitor.yaml");
  assert.deepEqual(
    monitors.map((monitor) => monitor.kind),
    ["ServiceMonitor", "ServiceMonitor"],
  );
});

const ruleFile = join(scratch, "rules.yaml");
let rules: { expr: string; alert: string }[];

test("the PrometheusRule passes promtool check rules and has the alerts issue 5 names", () => {
  const [rule] = documents("prometheus-operator/prometheusrule.yaml") as [Json];
  assert.equal(rule.kind, "PrometheusRule");
  writeFileSync(ruleFile, JSON.stringify(rule.spec));
  const result = promtool(["check", "rules", ruleFile]);
  assert.equal(result.status, 0, result.output);
  rules = (rule.spec as { groups: { rules: { expr: string; alert: string }[] }[] }).groups[0]?.rules ?? [];
  const names = rules.map((entry) => entry.alert);
  for (const required of [
    "OutriggerCircuitOpen",
    "OutriggerHighErrorRatio",
    "OutriggerCredentialExpiringSoon",
    "OutriggerPacingQueueSaturated",
  ]) {
    assert.ok(names.includes(required), required);
  }
  assert.match(rules.find((entry) => entry.alert === "OutriggerCredentialExpiringSoon")?.expr ?? "", /< 600/);
});

let harness: Harness;
let exposed: Set<string>;
before(async () => {
  harness = await startHarness();
  const text = await (await fetch(`${harness.sidecar.adminUrl}/metrics`)).text();
  exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string));
});
after(async () => {
  await harness.close();
});

/** Metric names in PromQL, histogram suffixes folded into the family name. */
function metricNames(expression: string): string[] {
  const withoutLabels = expression
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/label_values\(([^,)]+),[^)]*\)/g, "$1");
  return [...withoutLabels.matchAll(/\b((?:outrigger|gen_ai|nodejs|process)_[a-z0-9_]+)\b/g)].map((match) =>
    (match[1] as string).replace(/_(bucket|sum|count)$/, ""),
  );
}

test("every metric the dashboard and the alerts query is one the sidecar exposes", () => {
  const dashboard = JSON.parse(readFileSync(join(folder, "grafana/outrigger-dashboard.json"), "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const expressions = [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ...dashboard.templating.list.map((variable) =>
      typeof variable.query === "object" && variable.query !== null
        ? String((variable.query as Json).query)
        : "",
    ),
    ...rules.map((entry) => entry.expr),
  ];
  const used = new Set(expressions.flatMap(metricNames));
  assert.ok(used.size >= 12, [...used].join(", "));
  const missing = [...used].filter((name) => !exposed.has(name));
  assert.deepEqual(missing, [], `queried but not exposed: ${missing.join(", ")}`);
});

test("the dashboard has the panels issue 5 asks for", () => {
  const dashboard = JSON.parse(readFileSync(join(folder, "grafana/outrigger-dashboard.json"), "utf8")) as {
    uid: string;
    panels: { title: string; type: string }[];
  };
  const titles = dashboard.panels.map((panel) => panel.title).join("\n");
  for (const pattern of [
    /TTFB p50 \/ p99 by provider/,
    /Tokens per second/,
    /Errors by type/,
    /Retries/,
    /Circuit breaker/,
    /Pacing/,
  ]) {
    assert.match(titles, pattern);
  }
  const kustomization = parse(readFileSync(join(folder, "kustomization.yaml"), "utf8")) as {
    resources: string[];
    configMapGenerator: { files: string[] }[];
  };
  for (const resource of kustomization.resources) readFileSync(join(folder, resource));
  assert.deepEqual(kustomization.configMapGenerator[0]?.files, ["grafana/outrigger-dashboard.json"]);
});
