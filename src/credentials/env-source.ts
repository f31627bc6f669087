// Credential from an environment variable, read at each use so a restart is not needed after setting it.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential, CredentialSource, CredentialStatus } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";

export function createEnvSource(name: string, env: NodeJS.ProcessEnv = process.env): CredentialSource {
  let cached: { value: string; credential: Credential } | undefined;
  const read = (): Credential | undefined => {
    const value = env[name]?.trim();
    if (value === undefined || value === "") return undefined;
    if (cached?.value !== value) {
      cached = {
        value,
        credential: { kind: "token", token: value, style: "api-key", keyId: keyIdOf(value) },
      };
    }
    return cached.credential;
  };
  return {
    description: `env ${name}`,
    async current(): Promise<Credential> {
      const credential = read();
      if (credential === undefined) {
        throw new ProxyError("credential_missing", `No credential: set the environment variable ${name}.`);
      }
      return credential;
    },
    status(): CredentialStatus {
      const credential = read();
      return credential === undefined
        ? { available: false, detail: `environment variable ${name} is not set` }
        : { available: true, detail: `env ${name}`, keyId: credential.keyId };
    },
    invalidate(): void {},
    close(): void {},
  };
}
