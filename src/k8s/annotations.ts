// Pod annotation and label keys of the injection contract (public API: users and charts depend on them).

export const annotations = {
  /** `"true"` opts a pod in; `"false"` opts it out even in an opted-in namespace. */
  inject: "outrigger.dev/inject",
  /** Set to `injected` by the webhook: the idempotence marker. */
  status: "outrigger.dev/status",
  /** ConfigMap holding the sidecar config files. */
  config: "outrigger.dev/config",
  /** Secret holding one file per provider key. */
  secret: "outrigger.dev/secret",
  /** Comma list of providers whose env vars the app containers get. */
  providers: "outrigger.dev/providers",
  /** `none` | `proxy` | `hosts`. */
  intercept: "outrigger.dev/intercept",
  image: "outrigger.dev/image",
  cpuRequest: "outrigger.dev/cpu-request",
  memoryRequest: "outrigger.dev/memory-request",
  cpuLimit: "outrigger.dev/cpu-limit",
  memoryLimit: "outrigger.dev/memory-limit",
  /** Comma list of extra containers that must get no env (other sidecars). */
  excludeContainers: "outrigger.dev/exclude-containers",
  /** Written by the webhook: `container:VAR` pairs it did not set because the user already had. */
  envSkipped: "outrigger.dev/env-skipped",
} as const;

/** Namespace label that opts every pod of the namespace in (matched by the MutatingWebhookConfiguration). */
export const namespaceLabel = { key: "outrigger.dev/inject", value: "enabled" } as const;

export const injectedStatus = "injected";
export const sidecarName = "outrigger";
