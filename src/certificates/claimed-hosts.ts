// The hosts the providers claim behind the intercept and TLS doors (providers.*.hosts): what the pod CA may issue for.
import type { OutriggerConfig } from "../config/config-types.ts";

/** De-duplicated, lower-cased, in config order. */
export function claimedHosts(config: Pick<OutriggerConfig, "providers">): string[] {
  const hosts = new Set<string>();
  for (const provider of Object.values(config.providers)) {
    for (const host of provider.hosts) hosts.add(host.toLowerCase());
  }
  return [...hosts];
}
