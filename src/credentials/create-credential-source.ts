// Maps each `credentials` entry of the config to its source; the one place that knows every kind.
import type { CredentialConfig } from "../config/config-types.ts";
import { createAwsSource } from "./aws-source.ts";
import type { CredentialSource } from "./credential.ts";
import { createEnvSource } from "./env-source.ts";
import { createExecSource } from "./exec-source.ts";
import { createFileSource } from "./file-source.ts";
import { createJwtSource } from "./jwt-source.ts";
import { createOAuth2ClientCredentialsSource } from "./oauth2-client-credentials-source.ts";
import { createOAuth2JwtBearerSource } from "./oauth2-jwt-bearer-source.ts";
import type { Refresher } from "./refresher.ts";

/** Refreshing sources fetch their first token at once, so readiness turns true before the first request. */
function started(source: Refresher): Refresher {
  source.start();
  return source;
}

export interface CredentialSourceContext {
  readonly env: NodeJS.ProcessEnv;
}

export function createCredentialSource(
  entry: CredentialConfig,
  context: CredentialSourceContext,
): CredentialSource {
  if ("env" in entry) return createEnvSource(entry.env, context.env);
  if ("file" in entry) return createFileSource(entry.file);
  const options = { env: context.env };
  if ("jwt" in entry) return started(createJwtSource(entry.jwt, options));
  if ("exec" in entry) return started(createExecSource(entry.exec, options));
  if ("aws" in entry) return started(createAwsSource(entry.aws, options));
  if ("oauth2" in entry) {
    return started(
      entry.oauth2.grant === "client_credentials"
        ? createOAuth2ClientCredentialsSource(entry.oauth2, options)
        : createOAuth2JwtBearerSource(entry.oauth2, options),
    );
  }
  const kind = Object.keys(entry)[0] ?? "unknown";
  throw new Error(`credential source '${kind}' is not available in this build`);
}
