// deploy/: renders with `kubectl kustomize`, every manifest validates, and the pieces agree with each other and the webhook.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { parseConfigText } from "../../src/config/load-config.ts";
import { reviewPod } from "../../src/k8s/review-pod.ts";
import { parseWebhookConfig, sidecarPaths } from "../../src/k8s/webhook-config.ts";
import { applyPatch, decodeAnswer, validatePod } from "./admission-helpers.ts";
import { admissionReview, type Json } from "./pod-fixtures.ts";

const repository = fileURLToPath(new URL("../..", import.meta.url));
const kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((path) => existsSync(path));
const skip = kubectl === undefined ? "kubectl is not installed here: deploy/ rendering not checked" : false;

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
};

let rendered: Manifest[] | undefined;
function render(): Manifest[] {
  rendered ??= parseAllDocuments(
    execFileSync(kubectl!, ["kustomize", join(repository, "deploy")], { encoding: "utf8", timeout: 60_000 }),
  ).map((document) => document.toJS() as Manifest);
  return rendered;
}
function find(kind: string, name: string): Manifest {
  const manifest = render().find((item) => item.kind === kind && item.metadata.name.startsWith(name));
  assert.ok(manifest !== undefined, `${kind} ${name} is rendered`);
  return manifest;
}

const coreModels: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration,
};

test("kubectl kustomize deploy/ renders; every core manifest validates against the Kubernetes schema", {
  skip,
}, () => {
  const manifests = render();
  assert.ok(manifests.length >= 10);
  for (const manifest of manifests) {
    const key = `${manifest.apiVersion}/${manifest.kind}`;
    const Model = coreModels[key];
    if (Model !== undefined) {
      new Model(manifest as never).validate();
    } else {
      // cert-manager's CRDs: not in kubernetes-models; check the fields cert-manager requires.
      assert.equal(manifest.apiVersion, "cert-manager.io/v1", `unexpected kind ${key}`);
      const spec = manifest.spec as Record<string, unknown>;
      if (manifest.kind === "Issuer") assert.deepEqual(spec, { selfSigned: {} });
      else {
        assert.equal(manifest.kind, "Certificate");
        assert.equal(typeof spec.secretName, "string");
        assert.ok(Array.isArray(spec.dnsNames) && spec.dnsNames.length > 0);
        assert.equal(typeof (spec.issuerRef as { name?: unknown }).name, "string");
      }
    }
    if (manifest.kind !== "Namespace" && manifest.kind !== "MutatingWebhookConfiguration") {
      assert.ok(manifest.metadata.namespace, `${key} ${manifest.metadata.name} has a namespace`);
    }
  }
  for (const kind of Object.keys(coreModels)) {
    if (kind === "v1/Secret") continue;
    assert.ok(
      manifests.some((manifest) => `${manifest.apiVersion}/${manifest.kind}` === kind),
      `${kind} rendered`,
    );
  }
});

test("the webhook configuration, Service, Deployment and Certificate agree", { skip }, () => {
  const configuration = find("MutatingWebhookConfiguration", "outrigger") as Manifest & { webhooks: Json[] };
  const service = find("Service", "outrigger-webhook") as Manifest & {
    spec: { ports: { targetPort: string }[] };
  };
  const deployment = find("Deployment", "outrigger-webhook") as Manifest & {
    spec: { replicas: number; template: { spec: { containers: Json[]; volumes: Json[] } } };
  };
  const certificate = find("Certificate", "outrigger-webhook") as Manifest & {
    spec: { secretName: string; dnsNames: string[] };
  };
  const paths = configuration.webhooks.map((webhook) => {
    assert.equal(webhook.sideEffects, "None");
    assert.equal(webhook.timeoutSeconds, 5);
    assert.equal(webhook.reinvocationPolicy, "IfNeeded");
    assert.equal(webhook.failurePolicy, "Ignore");
    assert.deepEqual(webhook.admissionReviewVersions, ["v1"]);
    const target = (
      webhook.clientConfig as { service: { name: string; namespace: string; path: string; port: number } }
    ).service;
    assert.equal(target.name, service.metadata.name);
    assert.equal(target.namespace, service.metadata.namespace);
    assert.equal(target.port, 443);
    return target.path;
  });
  assert.deepEqual(paths, ["/mutate/namespace", "/mutate"]);
  const [byNamespace, byPod] = configuration.webhooks as {
    namespaceSelector: { matchExpressions: Json[] };
  }[];
  assert.deepEqual(byNamespace?.namespaceSelector.matchExpressions[0], {
    key: "outrigger.dev/inject",
    operator: "In",
    values: ["enabled"],
  });
  assert.deepEqual(byPod?.namespaceSelector.matchExpressions[0], {
    key: "outrigger.dev/inject",
    operator: "NotIn",
    values: ["enabled", "disabled"],
  });
  assert.equal(
    configuration.metadata.annotations?.["cert-manager.io/inject-ca-from"],
    `${certificate.metadata.namespace}/${certificate.metadata.name}`,
  );
  assert.ok(certificate.spec.dnsNames.includes(`${service.metadata.name}.${service.metadata.namespace}.svc`));

  assert.equal(deployment.spec.replicas, 2);
  const podSpec = deployment.spec.template.spec;
  const [container] = podSpec.containers as { ports: { name: string }[]; args: string[] }[];
  assert.ok(container?.ports.some((port) => port.name === service.spec.ports[0]?.targetPort));
  assert.equal(container?.args[0], "webhook");
  const tls = podSpec.volumes.find((volume) => volume.name === "tls") as { secret: { secretName: string } };
  assert.equal(tls.secret.secretName, certificate.spec.secretName);
  const configVolume = podSpec.volumes.find((volume) => volume.name === "config") as {
    configMap: { name: string };
  };
  const webhookConfigMap = find("ConfigMap", "outrigger-webhook") as Manifest & {
    data: Record<string, string>;
  };
  assert.equal(
    configVolume.configMap.name,
    webhookConfigMap.metadata.name,
    "kustomize rewrote the hashed name",
  );
  parseWebhookConfig(parseYaml(webhookConfigMap.data["webhook.yaml"]!));
});

test("the demo app's pod, injected by the webhook with deploy's config, is a valid pod whose files exist", {
  skip,
}, () => {
  const webhookConfigMap = find("ConfigMap", "outrigger-webhook") as Manifest & {
    data: Record<string, string>;
  };
  const config = parseWebhookConfig(parseYaml(webhookConfigMap.data["webhook.yaml"]!));
  const demo = find("Deployment", "chat-demo") as Manifest & { spec: { template: Json } };
  const namespace = find("Namespace", demo.metadata.namespace!) as Manifest & { metadata: { labels: Json } };
  assert.equal(namespace.metadata.labels["outrigger.dev/inject"], "enabled");
  const pod = { apiVersion: "v1", kind: "Pod", ...structuredClone(demo.spec.template) } as Json;
  const answer = decodeAnswer(
    reviewPod(admissionReview(pod, { namespace: demo.metadata.namespace! }), {
      config,
      namespaceOptedIn: true,
    }).answer,
  );
  assert.deepEqual(answer.warnings, []);
  assert.ok(answer.patch !== undefined);
  const patched = applyPatch(pod, answer.patch) as {
    spec: { initContainers: { args: string[] }[]; volumes: { name: string; configMap?: { name: string } }[] };
  };
  validatePod(patched as unknown as Json);
  const configFile = patched.spec.initContainers[0]!.args.at(-1)!;
  const configMapName = patched.spec.volumes.find((volume) => volume.name === "outrigger-config")?.configMap
    ?.name;
  const sidecarConfigMap = render().find(
    (item) =>
      item.kind === "ConfigMap" &&
      item.metadata.name === configMapName &&
      item.metadata.namespace === demo.metadata.namespace,
  ) as (Manifest & { data: Record<string, string> }) | undefined;
  assert.ok(sidecarConfigMap !== undefined, "the sidecar ConfigMap exists in the demo namespace");
  const key = configFile.slice(sidecarPaths.config.length + 1);
  assert.ok(sidecarConfigMap.data[key] !== undefined, `the ConfigMap has ${key}`);
  for (const other of [...Object.values(config.sidecar.configFiles), config.sidecar.hostsFile]) {
    assert.ok(sidecarConfigMap.data[other] !== undefined, `the ConfigMap has ${other}`);
  }
});

test("sidecar config files: deploy/ and the chart hold the same files, all valid sidecar configs matching the injection", () => {
  const config = parseWebhookConfig({});
  const chartFiles = readdirSync(join(repository, "charts/outrigger/files/sidecar")).sort();
  assert.deepEqual(
    chartFiles,
    [...Object.values(config.sidecar.configFiles), config.sidecar.hostsFile].sort(),
  );
  const hosts = readFileSync(
    join(repository, "charts/outrigger/files/sidecar", config.sidecar.hostsFile),
    "utf8",
  );
  assert.equal(
    readFileSync(join(repository, "deploy/sidecar-config", config.sidecar.hostsFile), "utf8"),
    hosts,
  );
  assert.match(hosts, /^127\.0\.0\.1\s+localhost$/m);
  assert.ok(
    !/api\.|anthropic|openai|deepseek\.com/.test(hosts.replace(/^#.*$/gm, "")),
    "no provider host in it",
  );
  for (const mode of ["none", "proxy", "hosts"] as const) {
    const name = config.sidecar.configFiles[mode];
    const chartText = readFileSync(join(repository, "charts/outrigger/files/sidecar", name), "utf8");
    assert.equal(
      readFileSync(join(repository, "deploy/sidecar-config", name), "utf8"),
      chartText,
      `${name} identical`,
    );
    const sidecar = parseConfigText(chartText, name);
    const { ports } = config.sidecar;
    assert.equal(sidecar.listen.proxy, `127.0.0.1:${ports.proxy}`);
    assert.equal(
      sidecar.listen.admin,
      `0.0.0.0:${ports.admin}`,
      "probes and scrapes reach the admin port on the pod IP",
    );
    assert.equal(sidecar.shutdown.grace, config.sidecar.shutdownGrace * 1000);
    assert.equal(sidecar.listen.intercept, mode === "proxy" ? `127.0.0.1:${ports.intercept}` : undefined);
    assert.equal(sidecar.listen.tls, mode === "hosts" ? "127.0.0.1:443" : undefined);
    if (mode !== "none") {
      assert.deepEqual(sidecar.intercept.ca, { generate: sidecarPaths.caPrivate, publish: sidecarPaths.ca });
    }
    for (const id of config.defaults.providers) {
      const provider = sidecar.providers[id];
      assert.ok(provider !== undefined, `${name} configures ${id}`);
      assert.deepEqual(provider.credentials, [{ file: `${sidecarPaths.secrets}/${id}` }]);
      assert.deepEqual(provider.hosts, config.providers[id]?.hosts);
    }
  }
});
