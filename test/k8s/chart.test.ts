// charts/outrigger checked statically (no Helm binary here): values against the schema, template lint, contract checks.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { parseWebhookConfig } from "../../src/k8s/webhook-config.ts";

const chart = fileURLToPath(new URL("../../charts/outrigger", import.meta.url));
const templatesDirectory = join(chart, "templates");
const templates = new Map(
  readdirSync(templatesDirectory).map((name) => [name, readFileSync(join(templatesDirectory, name), "utf8")]),
);
const values = parseYaml(readFileSync(join(chart, "values.yaml"), "utf8")) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as object;

function validator() {
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

test("values.yaml validates against values.schema.json, and the schema rejects bad values", () => {
  const validate = validator();
  assert.equal(validate(values), true, JSON.stringify(validate.errors));
  const bad = structuredClone(values) as {
    webhook: Record<string, unknown>;
    sidecar: Record<string, unknown>;
  };
  bad.webhook.failurePolicy = "Sometimes";
  bad.sidecar.defaultIntercept = "sideways";
  bad.sidecar.resources = { requests: { cpu: "lots" } };
  (bad as Record<string, unknown>).typo = true;
  assert.equal(validate(bad), false);
  const paths = (validate.errors ?? []).map((error) => error.instancePath || error.params.additionalProperty);
  for (const path of [
    "/webhook/failurePolicy",
    "/sidecar/defaultIntercept",
    "/sidecar/resources/requests/cpu",
    "typo",
  ]) {
    assert.ok(paths.includes(path), `schema flags ${path}: ${JSON.stringify(paths)}`);
  }
});

test("Chart.yaml names the chart and requires a Kubernetes with native sidecars", () => {
  const chartYaml = parseYaml(readFileSync(join(chart, "Chart.yaml"), "utf8")) as Record<string, string>;
  assert.equal(chartYaml.apiVersion, "v2");
  assert.equal(chartYaml.name, "outrigger");
  assert.match(chartYaml.version ?? "", /^\d+\.\d+\.\d+$/);
  assert.match(chartYaml.kubeVersion ?? "", />=1\.(29|3\d)/);
});

/** Every `{{ … }}` action of a template, in order. */
function actions(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)].map((match) => match[1]!);
}

test("every template has balanced {{ }} and balanced if/range/with/define … end blocks", () => {
  for (const [name, text] of templates) {
    const opens = text.split("{{").length - 1;
    const closes = text.split("}}").length - 1;
    assert.equal(opens, closes, `${name}: {{ and }} balance`);
    assert.ok(
      !/\{\{[^}]*\{\{/.test(text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, "")),
      `${name}: no nested {{`,
    );
    const stack: string[] = [];
    for (const action of actions(text)) {
      if (action.startsWith("/*")) {
        assert.ok(action.endsWith("*/"), `${name}: comment closed`);
        continue;
      }
      const keyword = /^(if|range|with|define|block|else|end)\b/.exec(action)?.[1];
      if (keyword === "end") assert.ok(stack.pop() !== undefined, `${name}: {{ end }} without an open block`);
      else if (keyword === "else") assert.ok(stack.length > 0, `${name}: {{ else }} outside a block`);
      else if (keyword !== undefined) stack.push(keyword);
    }
    assert.deepEqual(stack, [], `${name}: every block is closed`);
  }
});

test("templates only read .Values keys that values.yaml defines, and only include defined templates", () => {
  const helpers = templates.get("_helpers.tpl") ?? "";
  const defined = new Set([...helpers.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((match) => match[1]));
  let checked = 0;
  for (const [name, text] of templates) {
    for (const match of text.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      let node: unknown = values;
      for (const key of match[1]!.slice(1).split(".")) {
        assert.ok(
          typeof node === "object" && node !== null && key in node,
          `${name}: .Values${match[1]} is defined in values.yaml`,
        );
        node = (node as Record<string, unknown>)[key];
      }
      checked++;
    }
    for (const match of text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)) {
      assert.ok(defined.has(match[1]), `${name}: template "${match[1]}" is defined`);
    }
  }
  assert.ok(checked > 40, `checked ${checked} .Values references`);
});

test("the chart has every object the issue lists, with the webhook contract in place", () => {
  const all = [...templates.values()].join("\n");
  for (const kind of [
    "Deployment",
    "Service",
    "PodDisruptionBudget",
    "MutatingWebhookConfiguration",
    "ServiceAccount",
    "ConfigMap",
    "Certificate",
    "Issuer",
    "Secret",
  ]) {
    assert.match(all, new RegExp(`^kind: ${kind}$`, "m"), kind);
  }
  assert.ok(templates.has("NOTES.txt"));
  const webhook = templates.get("mutatingwebhookconfiguration.yaml") ?? "";
  assert.equal(webhook.match(/sideEffects: None/g)?.length, 2);
  assert.equal(webhook.match(/reinvocationPolicy: IfNeeded/g)?.length, 2);
  assert.equal(webhook.match(/timeoutSeconds: \{\{ \.Values\.webhook\.timeoutSeconds \}\}/g)?.length, 2);
  assert.equal(webhook.match(/failurePolicy: \{\{ \.Values\.webhook\.failurePolicy \}\}/g)?.length, 2);
  assert.match(webhook, /cert-manager\.io\/inject-ca-from/);
  assert.match(webhook, /genCA/);
  assert.match(webhook, /path: \/mutate\/namespace/);
  assert.match(webhook, /path: \/mutate$/m);
  const webhookValues = values.webhook as Record<string, unknown>;
  assert.equal(webhookValues.timeoutSeconds, 5);
  assert.equal(webhookValues.failurePolicy, "Ignore");
  assert.equal(webhookValues.replicas, 2);
  const deployment = templates.get("deployment.yaml") ?? "";
  assert.match(deployment, /runAsNonRoot: true/);
  assert.match(deployment, /readOnlyRootFilesystem: true/);
  assert.match(deployment, /path: \/readyz/);
  assert.match(deployment, /path: \/healthz/);
  const notes = templates.get("NOTES.txt") ?? "";
  assert.match(notes, /kubectl label namespace \S+ outrigger\.dev\/inject=enabled/);
  assert.match(notes, /kubectl -n \S+ create secret generic/);
});

test("the webhook config the chart renders from values is accepted by the webhook", () => {
  // Mirrors templates/webhook-configmap.yaml; the assertions below keep the mirror honest.
  const template = templates.get("webhook-configmap.yaml") ?? "";
  const sidecar = values.sidecar as Record<string, unknown>;
  const fields: Record<string, string> = {
    imagePullPolicy: "pullPolicy",
    args: "args",
    env: "env",
    configMap: "configMap",
    secret: "secret",
    resources: "resources",
    shutdownGrace: "shutdownGrace",
    runAsUser: "runAsUser",
  };
  const rendered: Record<string, unknown> = { image: "ghcr.io/outrigger-dev/outrigger:0.1.0" };
  for (const [key, valueKey] of Object.entries(fields)) {
    assert.ok(template.includes(`"${key}" $sidecar.${valueKey}`), `the template maps ${key}`);
    rendered[key] = sidecar[valueKey];
  }
  assert.ok(
    template.includes(
      `"defaults" (dict "intercept" $sidecar.defaultIntercept "providers" $sidecar.defaultProviders)`,
    ),
  );
  assert.ok(template.includes(`"excludeContainers" $sidecar.excludeContainers`));
  const config = parseWebhookConfig({
    sidecar: rendered,
    defaults: { intercept: sidecar.defaultIntercept, providers: sidecar.defaultProviders },
    excludeContainers: sidecar.excludeContainers,
  });
  assert.equal(config.sidecar.configMap, "outrigger-sidecar");
  assert.equal(config.sidecar.shutdownGrace, 25);
});
