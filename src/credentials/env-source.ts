// Credential from an environment variable; process.env is read again at most once a second (each read is a native lookup).
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential, CredentialSource, CredentialStatus } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";

export function createEnvSource(name: string, env: NodeJS.ProcessEnv = process.env): CredentialSource {
  let cached: { value: string; credential: Credential } | undefined;
  // Only this process can change its own environment (tests do, in-process): a second's staleness is
  // plenty, and saves a native getenv per request. Another object (a test's rotating secrets) is plain.
  let readAt = Number.NEGATIVE_INFINITY;
  let last: Credential | undefined;
  const read = (): Credential | undefined => {
    if (env !== process.env) return readNow();
    const now = Date.now();
    // A clock set back reads at once rather than trusting an old read for longer.
    if (now >= readAt && now - readAt < 1000) return last;
    readAt = now;
    last = readNow();
    return last;
  };
  const readNow = (): Credential | undefined => {
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
