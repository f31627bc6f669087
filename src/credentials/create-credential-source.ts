// Maps each `credentials` entry of the config to its source; the one place that knows every kind.
import type { CredentialConfig } from "../config/config-types.ts";
import type { CredentialSource } from "./credential.ts";
import { createEnvSource } from "./env-source.ts";
import { createFileSource } from "./file-source.ts";

export interface CredentialSourceContext {
  readonly env: NodeJS.ProcessEnv;
}

export function createCredentialSource(
  entry: CredentialConfig,
  context: CredentialSourceContext,
): CredentialSource {
  if ("env" in entry) return createEnvSource(entry.env, context.env);
  if ("file" in entry) return createFileSource(entry.file);
  const kind = Object.keys(entry)[0] ?? "unknown";
  throw new Error(`credential source '${kind}' is not available in this build`);
}
