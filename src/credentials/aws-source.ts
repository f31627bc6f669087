// Static AWS credentials for SigV4 (access key, secret, optional session token, region), re-read after a rejection.
import type { CredentialConfig } from "../config/config-types.ts";
import type { Credential } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";
import { Refresher } from "./refresher.ts";
import { describeSecretRef, readSecretRef } from "./secret-ref.ts";
import { refresherInjections, type SourceOptions } from "./source-options.ts";

export type AwsCredentialConfig = Extract<CredentialConfig, { aws: unknown }>["aws"];

/**
 * The values never expire on their own, so the refresher never refreshes them in the background;
 * `invalidate()` (after a 403 for a bad signature) reads the env or mounted files again, picking up a rotation.
 */
export function createAwsSource(config: AwsCredentialConfig, options: SourceOptions = {}): Refresher {
  const env = options.env ?? process.env;
  return new Refresher({
    description: `aws ${config.region} key ${describeSecretRef(config.accessKeyId)}`,
    ...refresherInjections(options),
    async fetch(): Promise<Credential> {
      const accessKeyId = await readSecretRef(config.accessKeyId, env);
      const secretAccessKey = await readSecretRef(config.secretAccessKey, env);
      const sessionToken =
        config.sessionToken === undefined ? undefined : await readSecretRef(config.sessionToken, env);
      return {
        kind: "aws",
        accessKeyId,
        secretAccessKey,
        ...(sessionToken === undefined ? {} : { sessionToken }),
        region: config.region,
        keyId: keyIdOf(`${accessKeyId}:${secretAccessKey}:${sessionToken ?? ""}`),
      };
    },
  });
}
