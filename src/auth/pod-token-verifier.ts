// Checks a presented token against the shared pod token (`auth.token`), in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { SecretRef } from "../config/config-types.ts";
import { readSecretRef } from "../credentials/secret-ref.ts";
import type { TokenVerifier } from "./token-verifier.ts";

export interface PodTokenVerifierOptions {
  readonly token: SecretRef;
  readonly env?: NodeJS.ProcessEnv;
  /** The pod token is re-read this often so a rotated Secret takes effect (default 10 s). */
  readonly rereadAfter?: number;
  readonly now?: () => number;
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function createPodTokenVerifier(options: PodTokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const rereadAfter = options.rereadAfter ?? 10_000;
  let cached: { digest: Buffer; readAt: number } | undefined;
  const expected = async (): Promise<Buffer> => {
    if (cached === undefined || now() - cached.readAt >= rereadAfter) {
      cached = { digest: digest(await readSecretRef(options.token, options.env)), readAt: now() };
    }
    return cached.digest;
  };
  return {
    async verify(token) {
      // A missing pod token fails closed: readSecretRef throws credential_missing, turned into 401 by the stage.
      const match = timingSafeEqual(digest(token), await expected());
      return match ? { ok: true } : { ok: false, reason: "the pod token does not match" };
    },
  };
}
