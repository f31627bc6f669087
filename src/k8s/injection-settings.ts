// Resolves what to inject into one pod: webhook defaults overridden by the pod's outrigger.dev/* annotations.
import { annotations } from "./annotations.ts";
import {
  dnsSubdomainPattern,
  type InterceptMode,
  interceptModes,
  type ProviderEnvConfig,
  quantityPattern,
  type WebhookConfig,
} from "./webhook-config.ts";

export interface ResourceSettings {
  readonly requests: { readonly cpu?: string; readonly memory?: string };
  readonly limits: { readonly cpu?: string; readonly memory?: string };
}

export interface InjectionSettings {
  readonly image: string;
  readonly configMap: string;
  readonly secret: string;
  readonly intercept: InterceptMode;
  readonly providers: readonly (ProviderEnvConfig & { readonly id: string })[];
  readonly resources: ResourceSettings;
  readonly excludeContainers: ReadonlySet<string>;
}

export interface ResolvedSettings {
  readonly settings: InjectionSettings;
  /** One line per annotation that was ignored, for the AdmissionReview `warnings`. */
  readonly warnings: readonly string[];
}

function commaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** An invalid annotation never blocks the pod: it is ignored with a warning and the default applies. */
export function resolveInjectionSettings(
  podAnnotations: Readonly<Record<string, string>>,
  config: WebhookConfig,
): ResolvedSettings {
  const warnings: string[] = [];
  const read = (key: string, isValid: (value: string) => boolean, expected: string): string | undefined => {
    const value = podAnnotations[key];
    if (value === undefined) return undefined;
    if (isValid(value.trim())) return value.trim();
    warnings.push(`outrigger: annotation ${key} ignored: expected ${expected}`);
    return undefined;
  };

  const isName = (value: string) => value.length <= 253 && dnsSubdomainPattern.test(value);
  const isQuantity = (value: string) => quantityPattern.test(value);
  const image = read(annotations.image, (value) => /^[^\s]+$/.test(value) && value.length > 0, "an image");
  const configMap = read(annotations.config, isName, "a ConfigMap name");
  const secret = read(annotations.secret, isName, "a Secret name");
  const intercept = read(
    annotations.intercept,
    (value) => (interceptModes as readonly string[]).includes(value),
    interceptModes.join(" | "),
  ) as InterceptMode | undefined;

  let providerIds = config.defaults.providers;
  const providersText = podAnnotations[annotations.providers];
  if (providersText !== undefined) {
    const requested = commaList(providersText);
    const known = requested.filter((id) => id in config.providers);
    const unknown = requested.filter((id) => !(id in config.providers));
    if (unknown.length > 0) {
      warnings.push(
        `outrigger: unknown providers in ${annotations.providers} ignored: ${unknown.join(", ")}`,
      );
    }
    if (known.length > 0) providerIds = known;
    else warnings.push(`outrigger: ${annotations.providers} names no known provider; using the defaults`);
  }

  const defaults = config.sidecar.resources;
  const resources: ResourceSettings = {
    requests: {
      ...defaults.requests,
      ...optional("cpu", read(annotations.cpuRequest, isQuantity, "a quantity such as 50m")),
      ...optional("memory", read(annotations.memoryRequest, isQuantity, "a quantity such as 64Mi")),
    },
    limits: {
      ...defaults.limits,
      ...optional("cpu", read(annotations.cpuLimit, isQuantity, "a quantity such as 500m")),
      ...optional("memory", read(annotations.memoryLimit, isQuantity, "a quantity such as 256Mi")),
    },
  };

  const excluded = new Set(config.excludeContainers);
  for (const name of commaList(podAnnotations[annotations.excludeContainers] ?? "")) excluded.add(name);

  return {
    warnings,
    settings: {
      image: image ?? config.sidecar.image,
      configMap: configMap ?? config.sidecar.configMap,
      secret: secret ?? config.sidecar.secret,
      intercept: intercept ?? config.defaults.intercept,
      providers: [...new Set(providerIds)].map((id) => ({ id, ...config.providers[id]! })),
      resources,
      excludeContainers: excluded,
    },
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
