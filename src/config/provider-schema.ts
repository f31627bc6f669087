// Zod schema for one providers.<id> entry, with the built-in values for anthropic, deepseek and openai.
import { z } from "zod";
import { builtinProviders } from "./builtin-providers.ts";
import { expected } from "./config-issues.ts";
import { credentialSchema } from "./credential-schema.ts";
import { resilienceSchema } from "./resilience-schema.ts";
import { filePath, httpUrl, integer, nonEmptyString, oneOf, size } from "./schema-primitives.ts";

/** A provider id names the path prefix `/<id>/`; `v1` is taken by the unified routes. */
export const providerIdPattern = /^[a-z0-9][a-z0-9_-]*$/;

export const providerIdSchema = z
  .string()
  .regex(providerIdPattern, {
    error: expected("a provider id of lowercase letters, digits, - and _ (matching ^[a-z0-9][a-z0-9_-]*$)"),
  })
  .refine((id) => id !== "v1", { error: 'provider id "v1" is reserved for the unified /v1/ routes' });

export const fallbackSchema = z.array(
  z.strictObject({
    provider: nonEmptyString("a provider id"),
    model: nonEmptyString("a model name").optional(),
  }),
  { error: expected("a list of { provider, model? }") },
);

const hostname = z
  .string({ error: expected("a host name") })
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, {
    error: expected("a host name such as api.anthropic.com (no scheme or port)"),
  })
  .transform((host) => host.toLowerCase());

const providerBody = z
  .strictObject({
    protocol: oneOf(["anthropic", "openai", "vertex-anthropic", "bedrock-anthropic", "ollama"]),
    baseUrl: httpUrl(),
    hosts: z.array(hostname, { error: expected("a list of host names") }).optional(),
    credentials: z.array(credentialSchema, { error: expected("a list of credentials") }).prefault([]),
    tls: z
      .strictObject({
        minVersion: oneOf(["TLSv1.2", "TLSv1.3"]).prefault("TLSv1.2"),
        ca: filePath().optional(),
      })
      .prefault({}),
    pool: z
      .strictObject({ connections: integer(1).prefault(64), warm: integer(0).prefault(5) })
      .refine((pool) => pool.warm <= pool.connections, {
        path: ["warm"],
        error: "pool.warm must not exceed pool.connections",
      })
      .prefault({}),
    maxBodySize: size({ min: 1 }).prefault("32MiB"),
    resilience: resilienceSchema.prefault({}),
    fallback: fallbackSchema.prefault([]),
    vertex: z
      .strictObject({
        project: nonEmptyString("a Google Cloud project id"),
        region: nonEmptyString("a Google Cloud region such as us-east5"),
      })
      .optional(),
  })
  .superRefine((provider, context) => {
    if (provider.protocol === "vertex-anthropic" && provider.vertex === undefined) {
      context.addIssue({
        code: "custom",
        path: ["vertex"],
        message: "required when protocol is vertex-anthropic: { project, region }",
      });
    }
    if (provider.protocol !== "vertex-anthropic" && provider.vertex !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["vertex"],
        message: "only allowed when protocol is vertex-anthropic",
      });
    }
  })
  .transform(({ protocol, baseUrl, hosts, ...rest }) => ({
    protocol,
    baseUrl,
    hosts: hosts ?? [new URL(baseUrl).hostname],
    ...rest,
  }));

/** Fills in protocol, baseUrl and credentials for a built-in id before validation, so they may be omitted. */
function withBuiltins(id: string, input: unknown): unknown {
  // `anthropic:` with nothing under it (YAML null) means "this provider, all defaults".
  const value = input === null ? {} : input;
  const builtin = builtinProviders[id];
  if (builtin === undefined || typeof value !== "object" || Array.isArray(value)) return value;
  const provider = value as Record<string, unknown>;
  return {
    ...provider,
    protocol: provider.protocol ?? builtin.protocol,
    baseUrl: provider.baseUrl ?? builtin.baseUrl,
    credentials: provider.credentials ?? builtin.credentials,
  };
}

/** The `providers` mapping: id → provider. */
export const providersSchema = z
  .record(z.string(), z.unknown(), { error: expected("a mapping of provider id to provider") })
  .transform((raw) =>
    Object.fromEntries(Object.entries(raw).map(([id, value]) => [id, withBuiltins(id, value)])),
  )
  .pipe(z.record(providerIdSchema, providerBody));
