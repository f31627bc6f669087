// Zod schema for one entry of providers.<id>.credentials: env, file, exec, jwt, oauth2 or aws.
import { z } from "zod";
import { expected } from "./config-issues.ts";
import {
  duration,
  environmentVariableName,
  exactlyOneOf,
  filePath,
  httpUrl,
  nonEmptyString,
  oneOf,
  secretRef,
} from "./schema-primitives.ts";

const exec = z.strictObject({
  command: z
    .array(nonEmptyString(), {
      error: expected("a command as a list of strings, e.g. [print-token, --json]"),
    })
    .min(1, {
      error: "expected a non-empty command list",
    }),
  ttl: duration({ positive: true }).prefault("50m"),
  timeout: duration({ positive: true }).prefault("10s"),
});

const jwt = z
  .strictObject({
    algorithm: oneOf(["HS256", "HS384", "HS512", "RS256", "ES256"]),
    key: secretRef(),
    claims: z
      .record(z.string(), z.unknown(), { error: expected("a mapping of claim names to values") })
      .prefault({}),
    lifetime: duration({ positive: true }).prefault("60m"),
    refreshBefore: duration().prefault("5m"),
    header: nonEmptyString("a header name")
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: expected("an HTTP header name") })
      .transform((name) => name.toLowerCase())
      .prefault("authorization"),
  })
  .refine((value) => value.refreshBefore < value.lifetime, {
    path: ["refreshBefore"],
    error:
      "refreshBefore must be shorter than lifetime, or every token would be refreshed as soon as it is made",
  });

const clientCredentials = z.strictObject({
  grant: z.literal("client_credentials"),
  tokenUrl: httpUrl(),
  clientId: secretRef(),
  clientSecret: secretRef(),
  scope: nonEmptyString().optional(),
  audience: nonEmptyString().optional(),
  authMethod: oneOf(["client_secret_post", "client_secret_basic"]).prefault("client_secret_post"),
});

const jwtBearer = z.strictObject({
  grant: z.literal("jwt_bearer"),
  serviceAccount: secretRef(),
  tokenUrl: httpUrl().optional(),
  scope: nonEmptyString().optional(),
});

const oauth2 = z.discriminatedUnion("grant", [clientCredentials, jwtBearer], {
  error: (issue) =>
    issue.code === "invalid_union"
      ? expected("client_credentials or jwt_bearer")({
          input: (issue.input as { grant?: unknown } | undefined)?.grant,
        })
      : undefined,
});

const aws = z.strictObject({
  region: nonEmptyString("an AWS region such as us-east-1").regex(/^[a-z0-9-]+$/, {
    error: expected("an AWS region such as us-east-1"),
  }),
  accessKeyId: secretRef(),
  secretAccessKey: secretRef(),
  sessionToken: secretRef().optional(),
});

/** One credential source; several entries on a provider form a key pool. */
export const credentialSchema = exactlyOneOf(
  {
    env: z.strictObject({ env: environmentVariableName() }),
    file: z.strictObject({ file: filePath() }),
    exec: z.strictObject({ exec }),
    jwt: z.strictObject({ jwt }),
    oauth2: z.strictObject({ oauth2 }),
    aws: z.strictObject({ aws }),
  },
  "a credential: one of env, file, exec, jwt, oauth2, aws",
);
