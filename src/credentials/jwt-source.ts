// Signs its own JWTs with jose (HS256/384/512 from a secret, RS256/ES256 from a PEM or JWK) and re-signs ahead of expiry.
import { createPrivateKey, type KeyObject, randomUUID, type webcrypto } from "node:crypto";
import type { CredentialConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";
import { Refresher } from "./refresher.ts";
import { describeSecretRef, readSecretRef } from "./secret-ref.ts";
import { refresherInjections, type SourceOptions } from "./source-options.ts";

export type JwtCredentialConfig = Extract<CredentialConfig, { jwt: unknown }>["jwt"];

interface SigningKey {
  readonly key: Uint8Array | KeyObject;
  readonly kid?: string;
}

/** Parses PEM (PKCS#8, PKCS#1, SEC1) or a JWK; the error names the origin, never the key. */
function asymmetricKey(text: string, origin: string): SigningKey {
  try {
    if (text.startsWith("{")) {
      const jwk: unknown = JSON.parse(text);
      if (typeof jwk !== "object" || jwk === null) throw new Error("not a JWK object");
      const kid = (jwk as { kid?: unknown }).kid;
      return {
        key: createPrivateKey({ key: jwk as webcrypto.JsonWebKey, format: "jwk" }),
        ...(typeof kid === "string" ? { kid } : {}),
      };
    }
    return { key: createPrivateKey(text) };
  } catch (error) {
    throw new ProxyError("credential_missing", `The private key in ${origin} is not a valid PEM or JWK.`, {
      cause: error,
    });
  }
}

export async function signJwt(
  config: JwtCredentialConfig,
  now: number,
  env: NodeJS.ProcessEnv,
): Promise<{ token: string; expiresAt: number }> {
  const origin = describeSecretRef(config.key);
  const material = await readSecretRef(config.key, env);
  const signing: SigningKey = config.algorithm.startsWith("HS")
    ? { key: new TextEncoder().encode(material) }
    : asymmetricKey(material, origin);
  const issuedAt = Math.floor(now / 1000);
  const expiresAtSeconds = issuedAt + Math.max(1, Math.round(config.lifetime / 1000));
  try {
    // iat/exp/jti are Outrigger's to set: a configured value would make every token identical or already expired.
    // jose loads with the first token: pods without a jwt source never pay for it.
    const { SignJWT } = await import("jose");
    const token = await new SignJWT({ ...config.claims })
      .setProtectedHeader({
        alg: config.algorithm,
        typ: "JWT",
        ...(signing.kid === undefined ? {} : { kid: signing.kid }),
      })
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .setJti(randomUUID())
      .sign(signing.key);
    return { token, expiresAt: expiresAtSeconds * 1000 };
  } catch (error) {
    throw new ProxyError(
      "credential_refresh_failed",
      `Cannot sign a ${config.algorithm} JWT with the key in ${origin} (wrong key type for the algorithm?).`,
      { cause: error },
    );
  }
}

export function createJwtSource(config: JwtCredentialConfig, options: SourceOptions = {}): Refresher {
  const env = options.env ?? process.env;
  const now = (): number => options.clock?.now() ?? Date.now();
  const header = config.header.toLowerCase();
  return new Refresher({
    description: `jwt ${config.algorithm} key ${describeSecretRef(config.key)}`,
    refreshBefore: config.refreshBefore,
    ...refresherInjections(options),
    async fetch(): Promise<Credential> {
      const { token, expiresAt } = await signJwt(config, now(), env);
      return {
        kind: "token",
        token,
        style: "bearer",
        ...(header === "authorization" ? {} : { header }),
        keyId: keyIdOf(token),
        expiresAt,
      };
    },
  });
}
