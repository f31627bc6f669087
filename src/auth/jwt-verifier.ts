// Verifies inbound JWTs with jose against a JWKS from a file (e.g. Kubernetes' /openid/v1/jwks) or a URL.
import { readFile } from "node:fs/promises";
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { TokenVerdict, TokenVerifier } from "./token-verifier.ts";

export interface JwtVerifierOptions {
  readonly jwks: { readonly file: string } | { readonly url: string };
  readonly audience?: string;
  readonly issuer?: string;
  /** Epoch ms; injected so tests check expiry without waiting. */
  readonly now?: () => number;
  /** Leeway for clock skew between the token's issuer and this pod, in seconds (default 30). */
  readonly clockToleranceSeconds?: number;
}

// The file is re-read when a token names a key it lacks (keys rotate), at most this often.
const fileReloadInterval = 30_000;

function fileKeySet(file: string, now: () => number): JWTVerifyGetKey {
  let loaded: { keys: JWTVerifyGetKey; at: number } | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    const keys = createLocalJWKSet(parsed as Parameters<typeof createLocalJWKSet>[0]);
    loaded = { keys, at: now() };
    return keys;
  };
  return async (header, token) => {
    const keys = loaded?.keys ?? (await load());
    try {
      return await keys(header, token);
    } catch (error) {
      if (
        !(error instanceof errors.JWKSNoMatchingKey) ||
        (loaded !== undefined && now() - loaded.at < fileReloadInterval)
      ) {
        throw error;
      }
      return (await load())(header, token);
    }
  };
}

/** Why a token failed, in words safe to send back: no token content, no key material. */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's '${error.claim}' claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return "the token is signed with an unknown key";
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return "the token's algorithm is not accepted";
  }
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return "the token is not a valid JWT";
  return "the token could not be verified (key set unavailable)";
}

export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const keys: JWTVerifyGetKey =
    "file" in options.jwks
      ? fileKeySet(options.jwks.file, now)
      : createRemoteJWKSet(new URL(options.jwks.url));
  return {
    async verify(token): Promise<TokenVerdict> {
      try {
        const { payload } = await jwtVerify(token, keys, {
          ...(options.audience === undefined ? {} : { audience: options.audience }),
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
          // Symmetric algorithms would let anyone holding the JWKS mint tokens; only public-key ones pass.
          algorithms: [
            "RS256",
            "RS384",
            "RS512",
            "PS256",
            "PS384",
            "PS512",
            "ES256",
            "ES384",
            "ES512",
            "EdDSA",
            "Ed25519",
          ],
          currentDate: new Date(now()),
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ["exp"],
        });
        return { ok: true, ...(typeof payload.sub === "string" ? { subject: payload.sub } : {}) };
      } catch (error) {
        return { ok: false, reason: reasonFor(error) };
      }
    },
  };
}
