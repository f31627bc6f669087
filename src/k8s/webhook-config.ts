// The injection webhook's own configuration (sidecar image, args, defaults): a small YAML/JSON file validated with zod.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** Where the injected sidecar finds its files; the sidecar ConfigMap's config refers to these paths. */
export const sidecarPaths = {
  config: "/etc/outrigger/config",
  secrets: "/var/run/secrets/outrigger",
  /** The public CA files (ca.pem, ca-bundle.pem) that app containers mount read-only. */
  ca: "/var/run/outrigger/ca",
  /** The CA with its private key: mounted in the sidecar alone. */
  caPrivate: "/var/run/outrigger/ca-private",
} as const;

export const interceptModes = ["none", "proxy", "hosts"] as const;
export type InterceptMode = (typeof interceptModes)[number];

/** Kubernetes resource quantity (`50m`, `64Mi`, `1.5`), the API server's own pattern. */
export const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
/** RFC 1123 subdomain: ConfigMap and Secret names. */
export const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** IANA_SVC_NAME: container port names (at most 15 characters, at least one letter, no `--`). */
const ianaServiceNamePattern = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const quantity = z.string().regex(quantityPattern, "a Kubernetes quantity such as 50m or 64Mi");
const dnsName = z.string().max(253).regex(dnsSubdomainPattern, "a lowercase DNS subdomain name");
const envName = z.string().regex(envNamePattern, "an environment variable name");
const port = z.number().int().min(1).max(65535);
const fileName = z.string().regex(/^[-._a-zA-Z0-9]+$/, "a ConfigMap key (file name)");

/** `25s`, `500ms`, `1m` → whole seconds, rounded up (Kubernetes counts grace periods in seconds). */
const durationSeconds = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, "a duration such as 25s or 1m")
  .transform((text) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text)!;
    const unitSeconds = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as "ms" | "s" | "m" | "h"];
    return Math.ceil(Number(match[1]) * unitSeconds);
  });

const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();

const providerSchema = z
  .object({
    /** Path on the base-URL door, e.g. `/openai/v1`. */
    path: z.string().regex(/^\/[-._~a-zA-Z0-9/]*$/, "a URL path starting with /"),
    baseUrlEnv: envName,
    apiKeyEnv: envName,
    /** Hosts mapped to 127.0.0.1 in `hosts` intercept mode. */
    hosts: z.array(z.string().regex(dnsSubdomainPattern, "a lowercase host name")),
  })
  .strict();

const defaultProviders = {
  anthropic: {
    path: "/anthropic",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    apiKeyEnv: "ANTHROPIC_API_KEY",
    hosts: ["api.anthropic.com"],
  },
  openai: {
    path: "/openai/v1",
    baseUrlEnv: "OPENAI_BASE_URL",
    apiKeyEnv: "OPENAI_API_KEY",
    hosts: ["api.openai.com"],
  },
  deepseek: {
    path: "/deepseek",
    baseUrlEnv: "DEEPSEEK_BASE_URL",
    apiKeyEnv: "DEEPSEEK_API_KEY",
    hosts: ["api.deepseek.com"],
  },
};

const webhookConfigSchema = z
  .object({
    sidecar: z
      .object({
        image: z
          .string()
          .regex(/^[^\s]+$/, "an image reference")
          .default("ghcr.io/outrigger-dev/outrigger:0.1.0"),
        imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent"),
        /** Arguments before `--config <file>`, which the webhook always appends. */
        args: z.array(z.string()).default(["serve"]),
        env: z.array(z.object({ name: envName, value: z.string() }).strict()).default([]),
        ports: z
          .object({ proxy: port.default(7700), intercept: port.default(7701), admin: port.default(7702) })
          .strict()
          .prefault({}),
        adminPortName: z
          .string()
          .regex(ianaServiceNamePattern, "an IANA service name: at most 15 lowercase letters, digits, -")
          .default("outrigger-admin"),
        configMap: dnsName.default("outrigger-sidecar"),
        /** ConfigMap key used per intercept mode (each mode needs different listeners). */
        configFiles: z
          .object({
            none: fileName.default("config.yaml"),
            proxy: fileName.default("config-proxy.yaml"),
            hosts: fileName.default("config-hosts.yaml"),
          })
          .strict()
          .prefault({}),
        /** ConfigMap key with a plain hosts file, mounted over the sidecar's /etc/hosts in `hosts` mode. */
        hostsFile: fileName.default("hosts"),
        secret: dnsName.default("outrigger-provider-keys"),
        resources: z
          .object({
            requests: resourceList.default({ cpu: "50m", memory: "64Mi" }),
            limits: resourceList.default({ memory: "256Mi" }),
          })
          .strict()
          .prefault({}),
        /** The sidecar's `shutdown.grace`; the pod's grace period is raised to this + 5 s. */
        shutdownGrace: durationSeconds.default(25),
        runAsUser: z.number().int().min(1).default(10001),
      })
      .strict()
      .prefault({}),
    defaults: z
      .object({
        intercept: z.enum(interceptModes).default("none"),
        providers: z.array(z.string()).min(1).default(["anthropic", "openai", "deepseek"]),
      })
      .strict()
      .prefault({}),
    providers: z.record(z.string().regex(/^[a-z0-9][-a-z0-9]*$/), providerSchema).default(defaultProviders),
    /** Containers that are other sidecars: they get no env. */
    excludeContainers: z.array(z.string()).default(["istio-proxy", "linkerd-proxy", "vault-agent"]),
    /** NO_PROXY in `proxy` mode; `$(KUBERNETES_SERVICE_HOST)` is expanded by the kubelet to the API server. */
    noProxy: z
      .array(z.string())
      .default([
        "localhost",
        "127.0.0.1",
        "::1",
        ".svc",
        ".svc.cluster.local",
        ".cluster.local",
        "kubernetes.default.svc",
        "$(KUBERNETES_SERVICE_HOST)",
      ]),
    /** Value of the placeholder API key env vars; the sidecar replaces it with the real key. */
    placeholderApiKey: z.string().min(1).default("outrigger-replaces-this-key"),
  })
  .strict()
  .superRefine((config, context) => {
    for (const [index, name] of config.defaults.providers.entries()) {
      if (!(name in config.providers)) {
        context.addIssue({
          code: "custom",
          path: ["defaults", "providers", index],
          message: `unknown provider '${name}'`,
        });
      }
    }
  });

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type ProviderEnvConfig = z.infer<typeof providerSchema>;

/** Validates an already parsed document; throws an Error naming the bad key. */
export function parseWebhookConfig(document: unknown): WebhookConfig {
  const result = webhookConfigSchema.safeParse(document ?? {});
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`invalid webhook config: ${issues.join("; ")}`);
  }
  return result.data;
}

/** Reads a YAML or JSON file (JSON is YAML); no file → the defaults. */
export async function loadWebhookConfig(file?: string): Promise<WebhookConfig> {
  if (file === undefined) return parseWebhookConfig({});
  const text = await readFile(file, "utf8");
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(
      `${file}: not valid YAML/JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return parseWebhookConfig(document);
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
