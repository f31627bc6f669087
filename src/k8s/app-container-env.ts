// The env (and CA mount) each app container gets so its SDK talks to the sidecar; never overwrites the user's env.
import type { InjectionSettings } from "./injection-settings.ts";
import type { ContainerView } from "./pod-view.ts";
import { caFiles, type JsonObject, volumeNames } from "./sidecar-container.ts";
import { sidecarPaths, type WebhookConfig } from "./webhook-config.ts";

export interface AppContainerChanges {
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly volumeMounts: readonly JsonObject[];
  /** Env names the container already set, so left untouched. */
  readonly skipped: readonly string[];
}

/** Every env var the settings call for, in a stable order, before checking what the container already has. */
export function desiredAppEnv(
  settings: InjectionSettings,
  config: WebhookConfig,
): { name: string; value: string }[] {
  const { ports } = config.sidecar;
  const env: { name: string; value: string }[] = [];
  for (const provider of settings.providers) {
    env.push({ name: provider.baseUrlEnv, value: `http://127.0.0.1:${ports.proxy}${provider.path}` });
  }
  // The official SDKs refuse to start without a key; the sidecar strips this one and injects the real key.
  for (const provider of settings.providers) {
    env.push({ name: provider.apiKeyEnv, value: config.placeholderApiKey });
  }
  if (settings.intercept === "proxy") {
    env.push({ name: "HTTPS_PROXY", value: `http://127.0.0.1:${ports.intercept}` });
    env.push({ name: "NO_PROXY", value: config.noProxy.join(",") });
    // Node ≥ 24 honours HTTPS_PROXY in fetch and http only with this.
    env.push({ name: "NODE_USE_ENV_PROXY", value: "1" });
  }
  if (settings.intercept !== "none") {
    env.push({ name: "NODE_EXTRA_CA_CERTS", value: caFiles.certificate });
    // These two replace the default trust store, hence the bundle (system roots + the pod CA).
    env.push({ name: "SSL_CERT_FILE", value: caFiles.bundle });
    env.push({ name: "REQUESTS_CA_BUNDLE", value: caFiles.bundle });
  }
  return env;
}

export function appContainerChanges(
  container: ContainerView,
  settings: InjectionSettings,
  config: WebhookConfig,
): AppContainerChanges {
  const existing = new Set((container.env ?? []).map((variable) => variable.name));
  const env: { name: string; value: string }[] = [];
  const skipped: string[] = [];
  for (const variable of desiredAppEnv(settings, config)) {
    if (existing.has(variable.name)) skipped.push(variable.name);
    else env.push(variable);
  }
  const volumeMounts: JsonObject[] = [];
  if (settings.intercept !== "none") {
    const mounts = container.volumeMounts ?? [];
    const alreadyMounted = mounts.some(
      (mount) => mount.name === volumeNames.ca || mount.mountPath === sidecarPaths.ca,
    );
    if (!alreadyMounted) {
      volumeMounts.push({ name: volumeNames.ca, mountPath: sidecarPaths.ca, readOnly: true });
    }
  }
  return { env, volumeMounts, skipped };
}
