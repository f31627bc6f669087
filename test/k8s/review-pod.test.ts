// Realistic AdmissionReviews → patch applied with fast-json-patch → Pod validated and checked field by field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reviewPod } from "../../src/k8s/review-pod.ts";
import { parseWebhookConfig } from "../../src/k8s/webhook-config.ts";
import { applyPatch, decodeAnswer, envOf, validatePod } from "./admission-helpers.ts";
import {
  admissionReview,
  deploymentPod,
  handInjectedPod,
  istioInjectedPod,
  type Json,
  optedOutPod,
  podWithInitContainers,
  podWithOwnOpenAiBaseUrl,
} from "./pod-fixtures.ts";

const config = parseWebhookConfig({ sidecar: { image: "ghcr.io/outrigger-dev/outrigger:1.2.3" } });

type Container = {
  name: string;
  image?: string;
  args?: string[];
  restartPolicy?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  [key: string]: unknown;
};
type PodShape = {
  metadata: { annotations: Record<string, string> };
  spec: {
    initContainers: Container[];
    containers: Container[];
    volumes: { name: string; [key: string]: unknown }[];
    terminationGracePeriodSeconds: number;
    hostAliases?: { ip: string; hostnames: string[] }[];
    securityContext?: { sysctls?: { name: string; value: string }[]; [key: string]: unknown };
  };
};

/** Reviews the pod, applies the patch, validates the result and checks a second pass changes nothing. */
function inject(pod: Json, namespaceOptedIn = false): { pod: PodShape; warnings: string[] } {
  const review = admissionReview(pod);
  const answer = decodeAnswer(reviewPod(review, { config, namespaceOptedIn }).answer);
  assert.equal(answer.allowed, true);
  assert.equal(answer.uid, (review.request as { uid: string }).uid, "uid echoed");
  assert.ok(answer.patch !== undefined && answer.patch.length > 0, "a patch");
  const patched = applyPatch(pod, answer.patch);
  validatePod(patched);
  const second = decodeAnswer(reviewPod(admissionReview(patched), { config, namespaceOptedIn: true }).answer);
  assert.equal(second.patch, undefined, "a second pass yields no patch");
  assert.deepEqual(second.warnings, []);
  return { pod: patched as unknown as PodShape, warnings: answer.warnings };
}

function noPatch(pod: Json, namespaceOptedIn: boolean): void {
  const answer = decodeAnswer(reviewPod(admissionReview(pod), { config, namespaceOptedIn }).answer);
  assert.equal(answer.allowed, true);
  assert.equal(answer.patch, undefined);
  assert.deepEqual(answer.warnings, []);
}

test("plain Deployment pod: native sidecar first, volumes, app env, grace period, annotations", () => {
  const { pod, warnings } = inject(deploymentPod());
  assert.deepEqual(warnings, []);
  const [sidecar, ...rest] = pod.spec.initContainers;
  assert.equal(rest.length, 0);
  assert.ok(sidecar !== undefined);
  assert.equal(sidecar.name, "outrigger");
  assert.equal(sidecar.image, "ghcr.io/outrigger-dev/outrigger:1.2.3");
  assert.equal(sidecar.restartPolicy, "Always");
  assert.deepEqual(sidecar.args, ["serve", "--config", "/etc/outrigger/config/config.yaml"]);
  assert.deepEqual(sidecar.startupProbe, {
    httpGet: { path: "/readyz", port: 7702, scheme: "HTTP" },
    periodSeconds: 1,
    timeoutSeconds: 2,
    failureThreshold: 120,
  });
  assert.deepEqual((sidecar.livenessProbe as { httpGet: unknown }).httpGet, {
    path: "/healthz",
    port: 7702,
    scheme: "HTTP",
  });
  assert.deepEqual(sidecar.resources, {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { memory: "256Mi" },
  });
  assert.deepEqual(sidecar.securityContext, {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
  assert.deepEqual(sidecar.ports, [{ name: "outrigger-admin", containerPort: 7702, protocol: "TCP" }]);
  assert.deepEqual(sidecar.volumeMounts, [
    { name: "outrigger-config", mountPath: "/etc/outrigger/config", readOnly: true },
    { name: "outrigger-secrets", mountPath: "/var/run/secrets/outrigger", readOnly: true },
    { name: "outrigger-ca-private", mountPath: "/var/run/outrigger/ca-private" },
    { name: "outrigger-ca", mountPath: "/var/run/outrigger/ca" },
  ]);
  assert.ok(
    (sidecar.volumeMounts ?? []).every((mount) => !("subPath" in mount)),
    "whole-volume mounts, never subPath",
  );
  assert.ok(!JSON.stringify(sidecar.env).includes("secretKeyRef"), "keys never arrive as env");

  const volumes = new Map(pod.spec.volumes.map((volume) => [volume.name, volume]));
  assert.ok(volumes.has("kube-api-access-8xk2p"), "existing volumes kept");
  assert.deepEqual(volumes.get("outrigger-config"), {
    name: "outrigger-config",
    configMap: { name: "outrigger-sidecar" },
  });
  assert.deepEqual(volumes.get("outrigger-secrets"), {
    name: "outrigger-secrets",
    secret: { secretName: "outrigger-provider-keys", optional: true },
  });
  assert.deepEqual(volumes.get("outrigger-ca"), {
    name: "outrigger-ca",
    emptyDir: { medium: "Memory", sizeLimit: "1Mi" },
  });
  // The CA's key lives in a volume no app container mounts.
  assert.deepEqual(volumes.get("outrigger-ca-private"), {
    name: "outrigger-ca-private",
    emptyDir: { medium: "Memory", sizeLimit: "1Mi" },
  });

  const [app] = pod.spec.containers;
  assert.ok(app !== undefined);
  const env = envOf(app);
  assert.equal(env.get("LOG_LEVEL"), "info", "user env kept");
  assert.ok(env.has("POD_IP"));
  assert.equal(env.get("ANTHROPIC_BASE_URL"), "http://127.0.0.1:7700/anthropic");
  assert.equal(env.get("OPENAI_BASE_URL"), "http://127.0.0.1:7700/openai/v1");
  assert.equal(env.get("DEEPSEEK_BASE_URL"), "http://127.0.0.1:7700/deepseek");
  for (const key of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY"]) {
    assert.equal(env.get(key), "outrigger-replaces-this-key");
  }
  for (const absent of ["HTTPS_PROXY", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"])
    assert.equal(env.has(absent), false);
  assert.equal(app.volumeMounts?.length, 1, "no CA mount without intercept");

  assert.equal(pod.spec.terminationGracePeriodSeconds, 30, "25s drain + 5s");
  const podAnnotations = pod.metadata.annotations;
  assert.equal(podAnnotations["outrigger.dev/status"], "injected");
  assert.equal(podAnnotations["prometheus.io/scrape"], "true");
  assert.equal(podAnnotations["prometheus.io/port"], "7702");
  assert.equal(podAnnotations["prometheus.io/path"], "/metrics");
  assert.equal(podAnnotations["outrigger.dev/env-skipped"], undefined);
});

test("existing init containers run after the sidecar and get no env", () => {
  const { pod } = inject(podWithInitContainers());
  assert.deepEqual(
    pod.spec.initContainers.map((container) => container.name),
    ["outrigger", "migrate"],
  );
  const migrate = pod.spec.initContainers[1]!;
  assert.deepEqual(
    migrate.env?.map((variable) => variable.name),
    ["DATABASE_URL"],
  );
  assert.equal(migrate.restartPolicy, undefined);
});

test("Istio already injected: coexists, istio-proxy gets no env, Istio's prometheus annotations kept", () => {
  const { pod } = inject(istioInjectedPod());
  assert.deepEqual(
    pod.spec.initContainers.map((container) => container.name),
    ["outrigger", "istio-init"],
  );
  const proxy = pod.spec.containers.find((container) => container.name === "istio-proxy")!;
  assert.deepEqual(
    proxy.env?.map((variable) => variable.name),
    ["POD_NAMESPACE", "ISTIO_META_CLUSTER_ID"],
  );
  const app = pod.spec.containers.find((container) => container.name === "app")!;
  assert.equal(envOf(app).get("ANTHROPIC_BASE_URL"), "http://127.0.0.1:7700/anthropic");
  assert.equal(
    pod.metadata.annotations["prometheus.io/port"],
    "15020",
    "never take over the app's scrape port",
  );
  assert.ok(pod.metadata.annotations["sidecar.istio.io/status"]?.includes("istio-proxy"));
  assert.deepEqual(
    pod.spec.volumes.map((volume) => volume.name),
    [
      "kube-api-access-8xk2p",
      "istio-envoy",
      "istio-data",
      "outrigger-config",
      "outrigger-secrets",
      "outrigger-ca-private",
      "outrigger-ca",
    ],
  );
});

test("an app that sets OPENAI_BASE_URL and its own key keeps both; the skip is recorded", () => {
  const { pod } = inject(podWithOwnOpenAiBaseUrl());
  const [app] = pod.spec.containers;
  const env = envOf(app!);
  assert.equal(env.get("OPENAI_BASE_URL"), "https://gateway.internal.example.com/v1");
  const key = app!.env?.find((variable) => variable.name === "OPENAI_API_KEY");
  assert.deepEqual(key?.valueFrom, { secretKeyRef: { name: "openai", key: "key" } });
  assert.equal(app!.env?.filter((variable) => variable.name === "OPENAI_API_KEY").length, 1);
  assert.equal(env.get("ANTHROPIC_BASE_URL"), "http://127.0.0.1:7700/anthropic");
  assert.equal(
    pod.metadata.annotations["outrigger.dev/env-skipped"],
    "app:OPENAI_BASE_URL,app:OPENAI_API_KEY",
  );
});

test("opted out and already injected pods get no patch, even in an opted-in namespace", () => {
  noPatch(optedOutPod(), true);
  noPatch(handInjectedPod(), true);
  const injected = deploymentPod({ annotations: { "outrigger.dev/status": "injected" } });
  noPatch(injected, true);
});

test("selection: annotation-only entry needs the annotation; the namespace entry injects unannotated pods", () => {
  const unannotated = deploymentPod();
  delete ((unannotated.metadata as Json).annotations as Record<string, string>)["outrigger.dev/inject"];
  noPatch(unannotated, false);
  const { pod } = inject(unannotated, true);
  assert.equal(pod.spec.initContainers[0]?.name, "outrigger");
  // No annotations object and a container without env at all: both are created whole.
  const bare = deploymentPod();
  delete (bare.metadata as Json).annotations;
  delete ((bare.spec as Json).containers as Json[])[0]!.env;
  const injected = inject(bare, true).pod;
  assert.equal(injected.metadata.annotations["outrigger.dev/status"], "injected");
  assert.equal(
    envOf(injected.spec.containers[0]!).get("ANTHROPIC_BASE_URL"),
    "http://127.0.0.1:7700/anthropic",
  );
});

test("intercept proxy: proxy and CA-trust env, CA volume mounted read-only, proxy config file", () => {
  const { pod } = inject(deploymentPod({ annotations: { "outrigger.dev/intercept": "proxy" } }));
  const sidecar = pod.spec.initContainers[0]!;
  assert.deepEqual(sidecar.args, ["serve", "--config", "/etc/outrigger/config/config-proxy.yaml"]);
  const app = pod.spec.containers[0]!;
  const env = envOf(app);
  assert.equal(env.get("HTTPS_PROXY"), "http://127.0.0.1:7701");
  assert.equal(env.get("NODE_USE_ENV_PROXY"), "1");
  assert.equal(env.get("NODE_EXTRA_CA_CERTS"), "/var/run/outrigger/ca/ca.pem");
  assert.equal(env.get("SSL_CERT_FILE"), "/var/run/outrigger/ca/ca-bundle.pem");
  assert.equal(env.get("REQUESTS_CA_BUNDLE"), "/var/run/outrigger/ca/ca-bundle.pem");
  const noProxy = env.get("NO_PROXY")?.split(",") ?? [];
  for (const entry of ["localhost", "127.0.0.1", ".svc", ".cluster.local", "$(KUBERNETES_SERVICE_HOST)"]) {
    assert.ok(noProxy.includes(entry), `NO_PROXY has ${entry}`);
  }
  assert.deepEqual(
    app.volumeMounts?.find((mount) => mount.name === "outrigger-ca"),
    { name: "outrigger-ca", mountPath: "/var/run/outrigger/ca", readOnly: true },
  );
  assert.equal(
    app.volumeMounts?.find((mount) => mount.name === "outrigger-ca-private"),
    undefined,
    "the CA key's volume stays with the sidecar",
  );
  assert.equal(pod.spec.hostAliases, undefined);
});

test("intercept hosts: host aliases to 127.0.0.1, the port sysctl merged into the pod securityContext", () => {
  const { pod } = inject(
    deploymentPod({
      annotations: { "outrigger.dev/intercept": "hosts", "outrigger.dev/providers": "anthropic,deepseek" },
    }),
  );
  assert.deepEqual(pod.spec.hostAliases, [
    { ip: "127.0.0.1", hostnames: ["api.anthropic.com", "api.deepseek.com"] },
  ]);
  assert.deepEqual(pod.spec.securityContext, {
    runAsNonRoot: true,
    fsGroup: 2000,
    sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
  });
  assert.deepEqual(pod.spec.initContainers[0]?.args, [
    "serve",
    "--config",
    "/etc/outrigger/config/config-hosts.yaml",
  ]);
  // The aliases are for the app: the sidecar gets a plain /etc/hosts so its own upstream calls resolve by DNS.
  assert.deepEqual(pod.spec.initContainers[0]?.volumeMounts?.at(-1), {
    name: "outrigger-config",
    mountPath: "/etc/hosts",
    subPath: "hosts",
    readOnly: true,
  });
  const env = envOf(pod.spec.containers[0]!);
  assert.equal(env.has("HTTPS_PROXY"), false);
  assert.equal(env.get("SSL_CERT_FILE"), "/var/run/outrigger/ca/ca-bundle.pem");
  assert.equal(env.has("OPENAI_BASE_URL"), false, "only the providers the pod asked for");
  assert.equal(env.get("DEEPSEEK_BASE_URL"), "http://127.0.0.1:7700/deepseek");
});

test("per-pod annotations override config map, secret, image and resources; bad ones warn and fall back", () => {
  const { pod, warnings } = inject(
    deploymentPod({
      annotations: {
        "outrigger.dev/config": "team-sidecar",
        "outrigger.dev/secret": "team-keys",
        "outrigger.dev/image": "registry.example.com/outrigger:canary",
        "outrigger.dev/cpu-request": "200m",
        "outrigger.dev/memory-limit": "not-a-quantity",
        "outrigger.dev/intercept": "sideways",
        "outrigger.dev/providers": "openai,mystery",
      },
    }),
  );
  const sidecar = pod.spec.initContainers[0]!;
  assert.equal(sidecar.image, "registry.example.com/outrigger:canary");
  assert.deepEqual(sidecar.resources, {
    requests: { cpu: "200m", memory: "64Mi" },
    limits: { memory: "256Mi" },
  });
  const volumes = new Map(pod.spec.volumes.map((volume) => [volume.name, volume]));
  assert.deepEqual(volumes.get("outrigger-config")?.configMap, { name: "team-sidecar" });
  assert.deepEqual(volumes.get("outrigger-secrets")?.secret, { secretName: "team-keys", optional: true });
  assert.deepEqual(
    sidecar.args,
    ["serve", "--config", "/etc/outrigger/config/config.yaml"],
    "bad intercept → default",
  );
  const env = envOf(pod.spec.containers[0]!);
  assert.equal(env.get("OPENAI_BASE_URL"), "http://127.0.0.1:7700/openai/v1");
  assert.equal(env.has("ANTHROPIC_BASE_URL"), false);
  assert.equal(warnings.length, 3);
  assert.ok(warnings.some((warning) => warning.includes("outrigger.dev/memory-limit")));
  assert.ok(warnings.some((warning) => warning.includes("outrigger.dev/intercept")));
  assert.ok(warnings.some((warning) => warning.includes("mystery")));
});

test("a longer grace period is kept; a shorter one is raised", () => {
  const long = deploymentPod();
  (long.spec as Json).terminationGracePeriodSeconds = 120;
  assert.equal(inject(long).pod.spec.terminationGracePeriodSeconds, 120);
  const short = deploymentPod();
  (short.spec as Json).terminationGracePeriodSeconds = 10;
  assert.equal(inject(short).pod.spec.terminationGracePeriodSeconds, 30);
});
