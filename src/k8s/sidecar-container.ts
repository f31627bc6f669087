// The injected native sidecar (an initContainer with restartPolicy Always) and the pod volumes it needs.
import { sidecarName } from "./annotations.ts";
import type { InjectionSettings } from "./injection-settings.ts";
import { sidecarPaths, type WebhookConfig } from "./webhook-config.ts";

export const volumeNames = {
  config: "outrigger-config",
  secrets: "outrigger-secrets",
  ca: "outrigger-ca",
  caPrivate: "outrigger-ca-private",
} as const;

/** The CA files the sidecar writes with `intercept.ca.generate` and the app containers trust. */
export const caFiles = {
  certificate: `${sidecarPaths.ca}/ca.pem`,
  bundle: `${sidecarPaths.ca}/ca-bundle.pem`,
} as const;

/** Plain JSON for the patch: exactly what lands in the pod. */
export type JsonObject = { readonly [key: string]: unknown };

function compact(list: { readonly cpu?: string; readonly memory?: string }): Record<string, string> {
  const result: Record<string, string> = {};
  if (list.cpu !== undefined) result.cpu = list.cpu;
  if (list.memory !== undefined) result.memory = list.memory;
  return result;
}

export function sidecarConfigFile(settings: InjectionSettings, config: WebhookConfig): string {
  return `${sidecarPaths.config}/${config.sidecar.configFiles[settings.intercept]}`;
}

export function buildSidecarContainer(settings: InjectionSettings, config: WebhookConfig): JsonObject {
  const { ports } = config.sidecar;
  const userEnvNames = new Set(config.sidecar.env.map((variable) => variable.name));
  // Pod identity for trace resources; the user's own sidecar env wins over these.
  const identityEnv = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    {
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value: "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)",
    },
  ].filter((variable) => !userEnvNames.has(variable.name));
  const limits = compact(settings.resources.limits);
  return {
    name: sidecarName,
    image: settings.image,
    imagePullPolicy: config.sidecar.imagePullPolicy,
    // Native sidecar: starts before the app containers, stops after them.
    restartPolicy: "Always",
    args: [...config.sidecar.args, "--config", sidecarConfigFile(settings, config)],
    env: [...identityEnv, ...config.sidecar.env.map((variable) => ({ ...variable }))],
    ports: [{ name: config.sidecar.adminPortName, containerPort: ports.admin, protocol: "TCP" }],
    // The next init containers and the app start only once this passes: the app's first call finds the sidecar serving.
    startupProbe: {
      httpGet: { path: "/readyz", port: ports.admin, scheme: "HTTP" },
      periodSeconds: 1,
      timeoutSeconds: 2,
      failureThreshold: 120,
    },
    livenessProbe: {
      httpGet: { path: "/healthz", port: ports.admin, scheme: "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    resources: {
      requests: compact(settings.resources.requests),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: config.sidecar.runAsUser,
      runAsGroup: config.sidecar.runAsUser,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: volumeNames.config, mountPath: sidecarPaths.config, readOnly: true },
      // Whole-volume mount (never subPath): the kubelet's `..data` swap then reaches the sidecar on rotation.
      { name: volumeNames.secrets, mountPath: sidecarPaths.secrets, readOnly: true },
      // The sidecar generates the CA in its private volume and publishes only ca.pem and ca-bundle.pem to the
      // volume app containers mount (intercept.ca.publish): the key never shares a volume with the app.
      { name: volumeNames.caPrivate, mountPath: sidecarPaths.caPrivate },
      { name: volumeNames.ca, mountPath: sidecarPaths.ca },
      // hostAliases point the provider hosts at 127.0.0.1 in every container's /etc/hosts, which would loop the
      // sidecar's own upstream calls back into itself; a container that mounts /etc/hosts gets no kubelet one.
      ...(settings.intercept === "hosts"
        ? [
            {
              name: volumeNames.config,
              mountPath: "/etc/hosts",
              subPath: config.sidecar.hostsFile,
              readOnly: true,
            },
          ]
        : []),
    ],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

export function buildSidecarVolumes(settings: InjectionSettings): JsonObject[] {
  return [
    { name: volumeNames.config, configMap: { name: settings.configMap } },
    // Optional so a missing key Secret never blocks the pod; the sidecar then answers 401 for that provider.
    { name: volumeNames.secrets, secret: { secretName: settings.secret, optional: true } },
    // In memory: the pod CA's private key never reaches the node's disk, nor any container but the sidecar.
    { name: volumeNames.caPrivate, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    { name: volumeNames.ca, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
  ];
}
