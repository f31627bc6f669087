// A short, non-reversible id for a secret: safe in metrics, traces and /readyz where the secret never is.
import { createHash } from "node:crypto";

export function keyIdOf(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 12);
}
