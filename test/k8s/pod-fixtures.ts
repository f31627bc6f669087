// Realistic pods as the API server hands them to a mutating webhook (defaults applied), and AdmissionReviews around them.
import { randomUUID } from "node:crypto";

export type Json = Record<string, unknown>;

/** The projected service-account token volume every pod gets from the ServiceAccount admission plugin. */
function serviceAccountVolume(suffix: string): Json {
  return {
    name: `kube-api-access-${suffix}`,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    },
  };
}

function appContainer(name: string, image: string, env: Json[] = []): Json {
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    env,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    readinessProbe: {
      httpGet: { path: "/ready", port: 8080, scheme: "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    volumeMounts: [
      {
        name: "kube-api-access-8xk2p",
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        readOnly: true,
      },
    ],
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  };
}

/** A pod created by a Deployment's ReplicaSet: generateName, owner reference, defaults filled in. */
export function deploymentPod(
  overrides: { annotations?: Record<string, string>; containers?: Json[] } = {},
): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: "chat-api-7c9d8f6b5-",
      namespace: "team-ai",
      labels: { app: "chat-api", "pod-template-hash": "7c9d8f6b5" },
      annotations: { "outrigger.dev/inject": "true", ...overrides.annotations },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "chat-api-7c9d8f6b5",
          uid: "0c2c5c3e-8f4e-4f3a-9d55-5a1c2f0b7e11",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: overrides.containers ?? [
        appContainer("app", "registry.example.com/chat-api:1.4.2", [
          { name: "LOG_LEVEL", value: "info" },
          { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
        ]),
      ],
      volumes: [serviceAccountVolume("8xk2p")],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "chat-api",
      serviceAccount: "chat-api",
      securityContext: { runAsNonRoot: true, fsGroup: 2000 },
      schedulerName: "default-scheduler",
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
    },
  };
}

/** A pod whose template already has a one-shot init container (a schema migration). */
export function podWithInitContainers(): Json {
  const pod = deploymentPod();
  (pod.spec as Json).initContainers = [
    {
      name: "migrate",
      image: "registry.example.com/chat-api:1.4.2",
      command: ["/app/migrate", "--up"],
      env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "db", key: "url" } } }],
      resources: {},
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      imagePullPolicy: "IfNotPresent",
    },
  ];
  return pod;
}

/** A pod Istio's injector already processed: istio-init, istio-proxy, its volumes and annotations. */
export function istioInjectedPod(): Json {
  const pod = deploymentPod({
    annotations: {
      "sidecar.istio.io/status":
        '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"]}',
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "15020",
      "prometheus.io/path": "/stats/prometheus",
      "kubectl.kubernetes.io/default-container": "app",
    },
  });
  const spec = pod.spec as Json;
  spec.initContainers = [
    {
      name: "istio-init",
      image: "docker.io/istio/proxyv2:1.24.2",
      args: ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*"],
      securityContext: {
        capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] },
        runAsUser: 0,
        runAsNonRoot: false,
      },
      resources: { requests: { cpu: "10m", memory: "40Mi" } },
    },
  ];
  (spec.containers as Json[]).push({
    name: "istio-proxy",
    image: "docker.io/istio/proxyv2:1.24.2",
    args: ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
    env: [
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "ISTIO_META_CLUSTER_ID", value: "Kubernetes" },
    ],
    ports: [{ name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" }],
    readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021 }, periodSeconds: 15 },
    securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true },
    volumeMounts: [
      { name: "istio-envoy", mountPath: "/etc/istio/proxy" },
      { name: "istio-data", mountPath: "/var/lib/istio/data" },
    ],
  });
  (spec.volumes as Json[]).push(
    { name: "istio-envoy", emptyDir: { medium: "Memory" } },
    { name: "istio-data", emptyDir: {} },
  );
  return pod;
}

/** An app that already points its OpenAI SDK somewhere (and set its own key) — both must survive. */
export function podWithOwnOpenAiBaseUrl(): Json {
  return deploymentPod({
    containers: [
      appContainer("app", "registry.example.com/chat-api:1.4.2", [
        { name: "OPENAI_BASE_URL", value: "https://gateway.internal.example.com/v1" },
        { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "openai", key: "key" } } },
      ]),
    ],
  });
}

export function optedOutPod(): Json {
  return deploymentPod({ annotations: { "outrigger.dev/inject": "false" } });
}

/** Someone added an `outrigger` container by hand (no status annotation): still left alone. */
export function handInjectedPod(): Json {
  const pod = deploymentPod();
  (pod.spec as Json).initContainers = [
    {
      name: "outrigger",
      image: "ghcr.io/outrigger-dev/outrigger:0.0.9",
      restartPolicy: "Always",
      args: ["serve"],
    },
  ];
  return pod;
}

export function admissionReview(
  object: unknown,
  options: { kind?: Json; operation?: string; namespace?: string; uid?: string } = {},
): Json {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? randomUUID(),
      kind: options.kind ?? { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: options.kind ?? { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      namespace: options.namespace ?? "team-ai",
      operation: options.operation ?? "CREATE",
      userInfo: {
        username: "system:serviceaccount:kube-system:replicaset-controller",
        uid: "5e8e3f5a-2b1c-4d7e-9f3a-1c2b3d4e5f60",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}
