// OAuth2 client_credentials (RFC 6749 §4.4): client id and secret from env/file, secret in the body or Basic auth.
import type { CredentialConfig } from "../config/config-types.ts";
import type { Credential } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";
import { Refresher } from "./refresher.ts";
import { readSecretRef } from "./secret-ref.ts";
import { refresherInjections, type SourceOptions } from "./source-options.ts";
import { requestToken, safeUrl } from "./token-endpoint.ts";

type OAuth2Config = Extract<CredentialConfig, { oauth2: unknown }>["oauth2"];
export type ClientCredentialsConfig = Extract<OAuth2Config, { grant: "client_credentials" }>;

export interface OAuth2SourceOptions extends SourceOptions {
  /** How long before expiry to refresh; default 5 min. */
  readonly refreshBefore?: number;
  /** Lifetime assumed when the endpoint sends no `expires_in`; default 1 h. */
  readonly defaultLifetime?: number;
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined for Basic.
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

export function createOAuth2ClientCredentialsSource(
  config: ClientCredentialsConfig,
  options: OAuth2SourceOptions = {},
): Refresher {
  const env = options.env ?? process.env;
  const now = (): number => options.clock?.now() ?? Date.now();
  return new Refresher({
    description: `oauth2 client_credentials ${safeUrl(config.tokenUrl)}`,
    ...(options.refreshBefore === undefined ? {} : { refreshBefore: options.refreshBefore }),
    ...refresherInjections(options),
    async fetch(signal): Promise<Credential> {
      const clientId = await readSecretRef(config.clientId, env);
      const clientSecret = await readSecretRef(config.clientSecret, env);
      const form: Record<string, string> = { grant_type: "client_credentials" };
      if (config.scope !== undefined) form.scope = config.scope;
      if (config.audience !== undefined) form.audience = config.audience;
      const headers: Record<string, string> = {};
      if (config.authMethod === "client_secret_basic") {
        headers.authorization = basicAuthorization(clientId, clientSecret);
      } else {
        form.client_id = clientId;
        form.client_secret = clientSecret;
      }
      const grant = await requestToken({
        url: config.tokenUrl,
        form,
        headers,
        signal,
        secrets: [clientSecret],
        now: now(),
        defaultLifetime: options.defaultLifetime ?? 3_600_000,
      });
      return {
        kind: "token",
        token: grant.token,
        style: "bearer",
        keyId: keyIdOf(grant.token),
        expiresAt: grant.expiresAt,
      };
    },
  });
}
