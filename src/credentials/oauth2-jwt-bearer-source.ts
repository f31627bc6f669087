// OAuth2 JWT bearer grant (RFC 7523) with a Google service-account JSON: an RS256 assertion exchanged for an access token.
import { createPrivateKey, type KeyObject } from "node:crypto";
import type { CredentialConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";
import type { OAuth2SourceOptions } from "./oauth2-client-credentials-source.ts";
import { Refresher } from "./refresher.ts";
import { describeSecretRef, readSecretRef } from "./secret-ref.ts";
import { refresherInjections } from "./source-options.ts";
import { requestToken, safeUrl } from "./token-endpoint.ts";

type OAuth2Config = Extract<CredentialConfig, { oauth2: unknown }>["oauth2"];
export type JwtBearerConfig = Extract<OAuth2Config, { grant: "jwt_bearer" }>;

export interface ServiceAccount {
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  readonly privateKeyId?: string;
  readonly tokenUri?: string;
}

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
// Google rejects assertions valid for more than an hour.
const assertionLifetimeSeconds = 3600;

export function parseServiceAccount(text: string, origin: string): ServiceAccount {
  const invalid = (why: string): ProxyError =>
    new ProxyError("credential_missing", `The service account in ${origin} is not usable: ${why}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid("not a JSON object");
  const record = parsed as Record<string, unknown>;
  if (typeof record.client_email !== "string") throw invalid("client_email is missing");
  if (typeof record.private_key !== "string") throw invalid("private_key is missing");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(record.private_key);
  } catch {
    throw invalid("private_key is not a PEM private key");
  }
  return {
    clientEmail: record.client_email,
    privateKey,
    ...(typeof record.private_key_id === "string" ? { privateKeyId: record.private_key_id } : {}),
    ...(typeof record.token_uri === "string" ? { tokenUri: record.token_uri } : {}),
  };
}

export function createOAuth2JwtBearerSource(
  config: JwtBearerConfig,
  options: OAuth2SourceOptions = {},
): Refresher {
  const env = options.env ?? process.env;
  const now = (): number => options.clock?.now() ?? Date.now();
  const origin = describeSecretRef(config.serviceAccount);
  const where = config.tokenUrl === undefined ? "" : ` ${safeUrl(config.tokenUrl)}`;
  return new Refresher({
    description: `oauth2 jwt_bearer service account ${origin}${where}`,
    ...(options.refreshBefore === undefined ? {} : { refreshBefore: options.refreshBefore }),
    ...refresherInjections(options),
    async fetch(signal): Promise<Credential> {
      const account = parseServiceAccount(await readSecretRef(config.serviceAccount, env), origin);
      const tokenUrl = config.tokenUrl ?? account.tokenUri;
      if (tokenUrl === undefined) {
        throw new ProxyError(
          "credential_missing",
          `The service account in ${origin} has no token_uri; set tokenUrl.`,
        );
      }
      const issuedAt = Math.floor(now() / 1000);
      // Google's profile of RFC 7523: iss is the account, aud the token endpoint, scope a claim.
      // jose loads with the first token: pods without this source never pay for it.
      const { SignJWT } = await import("jose");
      const assertion = await new SignJWT({ ...(config.scope === undefined ? {} : { scope: config.scope }) })
        .setProtectedHeader({
          alg: "RS256",
          typ: "JWT",
          ...(account.privateKeyId === undefined ? {} : { kid: account.privateKeyId }),
        })
        .setIssuer(account.clientEmail)
        .setAudience(tokenUrl)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + assertionLifetimeSeconds)
        .sign(account.privateKey);
      const grant = await requestToken({
        url: tokenUrl,
        form: { grant_type: jwtBearerGrant, assertion },
        signal,
        secrets: [assertion],
        now: now(),
        defaultLifetime: options.defaultLifetime ?? assertionLifetimeSeconds * 1000,
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
