// A configured provider at run time: its config, adapter, credential pool and upstream client.
import type { ProviderConfig } from "../config/config-types.ts";
import type { CredentialSource } from "../credentials/credential.ts";
import type { ProviderAdapter } from "../providers/provider-adapter.ts";
import type { UpstreamClient } from "../upstream/upstream-client.ts";

export interface ProviderRuntime {
  /** The free name from the config (`anthropic`, `deepseek`, `anthropic-eu` …). */
  readonly id: string;
  readonly config: ProviderConfig;
  readonly adapter: ProviderAdapter;
  /** One or more sources; several form a key pool. */
  readonly credentials: readonly CredentialSource[];
  readonly upstream: UpstreamClient;
}
