// Decides whether a pod gets the sidecar and computes the JSONPatch (RFC 6902) that injects it, idempotently.
import { annotations, injectedStatus, sidecarName } from "./annotations.ts";
import { appContainerChanges } from "./app-container-env.ts";
import { resolveInjectionSettings } from "./injection-settings.ts";
import type { PodView } from "./pod-view.ts";
import {
  buildSidecarContainer,
  buildSidecarVolumes,
  type JsonObject,
  volumeNames,
} from "./sidecar-container.ts";
import type { WebhookConfig } from "./webhook-config.ts";

export interface JsonPatchOperation {
  readonly op: "add" | "replace";
  readonly path: string;
  readonly value: unknown;
}

export type InjectionOutcome = "injected" | "already-injected" | "opted-out" | "not-selected" | "conflict";

export interface InjectionResult {
  readonly outcome: InjectionOutcome;
  /** Empty unless the outcome is `injected`. */
  readonly patch: readonly JsonPatchOperation[];
  readonly warnings: readonly string[];
}

export interface InjectOptions {
  readonly config: WebhookConfig;
  /** The call came through the webhook entry that matches namespaces labelled outrigger.dev/inject=enabled. */
  readonly namespaceOptedIn: boolean;
}

const unprivilegedPortSysctl = "net.ipv4.ip_unprivileged_port_start";

/** RFC 6901: `/` and `~` inside a key must be escaped in a JSON pointer. */
export function pointerSegment(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function isAlreadyInjected(pod: PodView): boolean {
  if (pod.metadata?.annotations?.[annotations.status] === injectedStatus) return true;
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  return all.some((container) => container.name === sidecarName);
}

export function injectPod(pod: PodView, options: InjectOptions): InjectionResult {
  const { config } = options;
  const podAnnotations = pod.metadata?.annotations ?? {};
  const warnings: string[] = [];
  if (isAlreadyInjected(pod)) return { outcome: "already-injected", patch: [], warnings };

  const injectText = podAnnotations[annotations.inject]?.trim().toLowerCase();
  if (injectText === "false") return { outcome: "opted-out", patch: [], warnings };
  if (injectText !== undefined && injectText !== "true") {
    warnings.push(`outrigger: annotation ${annotations.inject} ignored: expected "true" or "false"`);
  }
  if (injectText !== "true" && !options.namespaceOptedIn)
    return { outcome: "not-selected", patch: [], warnings };

  const ours = new Set<string>(Object.values(volumeNames));
  const clash = (pod.spec.volumes ?? []).find((volume) => ours.has(volume.name));
  if (clash !== undefined) {
    warnings.push(`outrigger: not injected: the pod already has a volume named ${clash.name}`);
    return { outcome: "conflict", patch: [], warnings };
  }

  const resolved = resolveInjectionSettings(podAnnotations, config);
  warnings.push(...resolved.warnings);
  const { settings } = resolved;
  const patch: JsonPatchOperation[] = [];
  const appendAll = (path: string, current: readonly unknown[] | undefined, items: readonly unknown[]) => {
    if (items.length === 0) return;
    if (current === undefined) patch.push({ op: "add", path, value: items });
    else for (const item of items) patch.push({ op: "add", path: `${path}/-`, value: item });
  };

  // First among the init containers, so init containers that call an LLM already find it serving.
  const sidecar = buildSidecarContainer(settings, config);
  if (pod.spec.initContainers === undefined)
    patch.push({ op: "add", path: "/spec/initContainers", value: [sidecar] });
  else patch.push({ op: "add", path: "/spec/initContainers/0", value: sidecar });
  appendAll("/spec/volumes", pod.spec.volumes, buildSidecarVolumes(settings));

  const skipped: string[] = [];
  for (const [index, container] of pod.spec.containers.entries()) {
    if (settings.excludeContainers.has(container.name)) continue;
    const changes = appContainerChanges(container, settings, config);
    appendAll(`/spec/containers/${index}/env`, container.env, changes.env);
    appendAll(`/spec/containers/${index}/volumeMounts`, container.volumeMounts, changes.volumeMounts);
    skipped.push(...changes.skipped.map((name) => `${container.name}:${name}`));
  }

  if (settings.intercept === "hosts") patch.push(...hostsModeOperations(pod, settings.providers, warnings));

  // The app stops first, then the sidecar drains; the kubelet's grace period must cover both.
  const neededGrace = config.sidecar.shutdownGrace + 5;
  const currentGrace = pod.spec.terminationGracePeriodSeconds;
  if (currentGrace === undefined || currentGrace < neededGrace) {
    patch.push({
      op: currentGrace === undefined ? "add" : "replace",
      path: "/spec/terminationGracePeriodSeconds",
      value: neededGrace,
    });
  }

  patch.push(...annotationOperations(pod, podAnnotations, skipped, config));
  return { outcome: "injected", patch, warnings };
}

function hostsModeOperations(
  pod: PodView,
  providers: readonly { readonly hosts: readonly string[] }[],
  warnings: string[],
): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  const hostnames = [...new Set(providers.flatMap((provider) => provider.hosts))];
  if (hostnames.length > 0) {
    const alias: JsonObject = { ip: "127.0.0.1", hostnames };
    if (pod.spec.hostAliases === undefined)
      operations.push({ op: "add", path: "/spec/hostAliases", value: [alias] });
    else operations.push({ op: "add", path: "/spec/hostAliases/-", value: alias });
  }
  // Lets the non-root sidecar bind 127.0.0.1:443 (a namespaced, "safe" sysctl) without any capability.
  const sysctl = { name: unprivilegedPortSysctl, value: "0" };
  const securityContext = pod.spec.securityContext;
  if (securityContext === undefined) {
    operations.push({ op: "add", path: "/spec/securityContext", value: { sysctls: [sysctl] } });
  } else if (securityContext.sysctls === undefined) {
    operations.push({ op: "add", path: "/spec/securityContext/sysctls", value: [sysctl] });
  } else {
    const existing = securityContext.sysctls.find((entry) => entry.name === unprivilegedPortSysctl);
    if (existing === undefined)
      operations.push({ op: "add", path: "/spec/securityContext/sysctls/-", value: sysctl });
    else if (!(Number(existing.value) <= 443)) {
      warnings.push(
        `outrigger: pod sets ${unprivilegedPortSysctl}=${existing.value}; the sidecar cannot bind 443`,
      );
    }
  }
  return operations;
}

function annotationOperations(
  pod: PodView,
  podAnnotations: Readonly<Record<string, string>>,
  skipped: readonly string[],
  config: WebhookConfig,
): JsonPatchOperation[] {
  const added: Record<string, string> = { [annotations.status]: injectedStatus };
  if (skipped.length > 0) added[annotations.envSkipped] = skipped.join(",");
  // The annotation scrape convention has room for one port: never take it from an app that already uses it.
  const prometheusKeys = ["prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"];
  if (!prometheusKeys.some((key) => key in podAnnotations)) {
    added["prometheus.io/scrape"] = "true";
    added["prometheus.io/port"] = String(config.sidecar.ports.admin);
    added["prometheus.io/path"] = "/metrics";
  }
  if (pod.metadata === undefined) return [{ op: "add", path: "/metadata", value: { annotations: added } }];
  if (pod.metadata.annotations === undefined)
    return [{ op: "add", path: "/metadata/annotations", value: added }];
  return Object.entries(added)
    .filter(([key]) => podAnnotations[key] === undefined || key === annotations.status)
    .map(([key, value]) => ({ op: "add", path: `/metadata/annotations/${pointerSegment(key)}`, value }));
}
