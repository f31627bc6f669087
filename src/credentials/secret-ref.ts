// Reads a SecretRef (`{ env }` or `{ file }`) at use time, trimmed; errors name the origin, never the value.
import { readFile } from "node:fs/promises";
import type { SecretRef } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";

/** Safe text naming where a secret lives: `env NAME` or `file /path`. */
export function describeSecretRef(ref: SecretRef): string {
  return "env" in ref ? `env ${ref.env}` : `file ${ref.file}`;
}

/** Read afresh at every call so a rotated file or a changed variable is picked up on the next refresh. */
export async function readSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ("env" in ref) {
    const value = env[ref.env]?.trim();
    if (value === undefined || value === "") {
      throw new ProxyError(
        "credential_missing",
        `No credential: the environment variable ${ref.env} is not set.`,
      );
    }
    return value;
  }
  let text: string;
  try {
    text = await readFile(ref.file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ProxyError(
      "credential_missing",
      `No credential: cannot read the file ${ref.file} (${reason}).`,
      {
        cause: error,
      },
    );
  }
  const value = text.trim();
  if (value === "")
    throw new ProxyError("credential_missing", `No credential: the file ${ref.file} is empty.`);
  return value;
}
