// The zod schema for the whole configuration file (DESIGN.md §10), producing an OutriggerConfig.
import { z } from "zod";
import { builtinModelRules, builtinProviders } from "./builtin-providers.ts";
import { expected } from "./config-issues.ts";
import type { OutriggerConfig } from "./config-types.ts";
import { fallbackSchema, providersSchema } from "./provider-schema.ts";
import {
  boolean,
  duration,
  exactlyOneOf,
  filePath,
  hostPort,
  httpUrl,
  integer,
  nonEmptyString,
  oneOf,
  secretRef,
} from "./schema-primitives.ts";

// Every listener binds loopback by default: the sidecar holds real keys (DESIGN.md §1).
const listen = z.strictObject({
  proxy: hostPort().prefault("127.0.0.1:7700"),
  intercept: hostPort().optional(),
  tls: hostPort().optional(),
  admin: hostPort().prefault("127.0.0.1:7702"),
});

const modelRule = z.strictObject({
  match: nonEmptyString('a model name or glob such as "claude-*"'),
  provider: nonEmptyString("a provider id"),
  fallback: fallbackSchema.prefault([]),
});

const intercept = z.strictObject({
  ca: exactlyOneOf(
    {
      cert: z.strictObject({ cert: filePath(), key: filePath() }),
      generate: z.strictObject({ generate: filePath(), publish: filePath().optional() }),
    },
    "a CA: { cert: PATH, key: PATH } or { generate: DIR }",
  ).optional(),
  passthrough: oneOf(["allow", "deny"]).prefault("allow"),
  leafValidity: duration({ positive: true }).prefault("24h"),
});

const redis = z.strictObject({
  url: z
    .string({ error: expected("a redis:// or rediss:// URL") })
    .refine((value) => URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol), {
      error: expected("a redis:// or rediss:// URL"),
    }),
  keyPrefix: z.string({ error: expected("a string") }).prefault("outrigger:"),
  password: secretRef().optional(),
});

const auth = exactlyOneOf(
  {
    token: z.strictObject({ token: secretRef() }),
    jwks: z.strictObject({
      jwks: exactlyOneOf(
        { file: z.strictObject({ file: filePath() }), url: z.strictObject({ url: httpUrl() }) },
        "a JWKS source: { file: PATH } or { url: URL }",
      ),
      audience: nonEmptyString().optional(),
      issuer: nonEmptyString().optional(),
    }),
  },
  "inbound auth: { token: SECRET } or { jwks: ..., audience?, issuer? }",
);

const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

const telemetry = z.strictObject({
  tracing: z
    .strictObject({ enabled: boolean().optional(), propagateUpstream: boolean().prefault(false) })
    .prefault({}),
  captureContent: boolean().prefault(false),
  accessLog: z
    .strictObject({
      enabled: boolean().prefault(true),
      level: z
        .string({ error: expected(`one of ${logLevels.join(", ")}`) })
        .refine((level) => logLevels.includes(level), { error: expected(`one of ${logLevels.join(", ")}`) })
        .prefault("info"),
    })
    .prefault({}),
  metrics: z.strictObject({ maxModels: integer(1).prefault(50) }).prefault({}),
});

const defaultProviders = Object.fromEntries(Object.keys(builtinProviders).map((id) => [id, {}]));

export const configSchema = z
  .strictObject(
    {
      listen: listen.prefault({}),
      providers: providersSchema.prefault(defaultProviders),
      models: z.array(modelRule, { error: expected("a list of { match, provider, fallback? }") }).optional(),
      intercept: intercept.prefault({}),
      redis: redis.optional(),
      auth: auth.optional(),
      telemetry: telemetry.prefault({}),
      shutdown: z.strictObject({ grace: duration().prefault("25s") }).prefault({}),
    },
    {
      error: (issue) =>
        issue.code === "invalid_type" ? expected("a mapping of configuration keys")(issue) : undefined,
    },
  )
  .transform(({ listen, providers, models, ...rest }) => ({
    listen,
    providers,
    models:
      models ??
      builtinModelRules
        .filter((rule) => Object.hasOwn(providers, rule.provider))
        .map((rule) => ({ ...rule, fallback: [] })),
    ...rest,
  }))
  .superRefine(checkReferences);

type ParsedConfig = z.output<typeof configSchema>;

/** Checks that need the whole document: references between providers, and shared hosts. */
function checkReferences(config: ParsedConfig, context: z.core.$RefinementCtx<ParsedConfig>): void {
  const ids = Object.keys(config.providers);
  const known = ids.length === 0 ? "no providers are configured" : `configured: ${ids.join(", ")}`;
  const reference = (provider: string, path: PropertyKey[]) => {
    if (!Object.hasOwn(config.providers, provider)) {
      context.addIssue({ code: "custom", path, message: `unknown provider "${provider}" (${known})` });
    }
  };
  // Hosts route the intercept and TLS doors; without them, two providers may share an upstream host.
  const doorsOn = config.listen.intercept !== undefined || config.listen.tls !== undefined;
  const claimedBy = new Map<string, string>();
  for (const [id, provider] of Object.entries(config.providers)) {
    for (const [index, target] of provider.fallback.entries()) {
      reference(target.provider, ["providers", id, "fallback", index, "provider"]);
    }
    for (const [index, host] of provider.hosts.entries()) {
      const owner = claimedBy.get(host);
      if (owner === undefined) claimedBy.set(host, id);
      else if (owner !== id && doorsOn) {
        context.addIssue({
          code: "custom",
          path: ["providers", id, "hosts", index],
          message: `host ${host} is already claimed by provider "${owner}": the intercept and TLS doors need one provider per host, so set hosts on one of them (e.g. hosts: [])`,
        });
      }
    }
  }
  for (const [index, rule] of config.models.entries()) {
    reference(rule.provider, ["models", index, "provider"]);
    for (const [targetIndex, target] of rule.fallback.entries()) {
      reference(target.provider, ["models", index, "fallback", targetIndex, "provider"]);
    }
  }
  const portOwners = new Map<string, string>();
  for (const door of ["proxy", "intercept", "tls", "admin"] as const) {
    const port = config.listen[door]?.slice(config.listen[door].lastIndexOf(":") + 1);
    if (port === undefined || Number(port) === 0) continue;
    const owner = portOwners.get(port);
    if (owner === undefined) portOwners.set(port, door);
    else {
      context.addIssue({
        code: "custom",
        path: ["listen", door],
        message: `port ${port} is already used by listen.${owner}`,
      });
    }
  }
  for (const door of ["intercept", "tls"] as const) {
    if (config.listen[door] !== undefined && config.intercept.ca === undefined) {
      context.addIssue({
        code: "custom",
        path: ["intercept", "ca"],
        message: `required when listen.${door} is set: { cert: PATH, key: PATH } or { generate: DIR }`,
      });
    }
  }
}

// Compile-time proof that the schema produces exactly the agreed OutriggerConfig (readonly aside).
type DeepReadonly<T> = T extends (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
      : T;
type Equal<Left, Right> =
  (<Probe>() => Probe extends Left ? 1 : 2) extends <Probe>() => Probe extends Right ? 1 : 2 ? true : false;
type Assert<Condition extends true> = Condition;
export type SchemaMatchesConfigTypes = Assert<
  Equal<DeepReadonly<ParsedConfig>, DeepReadonly<OutriggerConfig>>
>;
