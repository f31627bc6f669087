// A socket `lookup` that asks DNS directly, skipping /etc/hosts: the pod's hostAliases point provider names at the
// sidecar itself (the host-alias door), so the sidecar's own upstream connections must not follow them.

import type { LookupAddress, LookupOptions } from "node:dns";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import type { OutriggerConfig, ProviderConfig } from "../config/config-types.ts";

export type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
export type DnsOnlyLookup = (
  hostname: string,
  options: LookupOptions | number,
  callback: LookupCallback,
) => void;

export interface DnsOnlyLookupOptions {
  /** `ip[:port]` DNS servers; default the system's (/etc/resolv.conf). */
  readonly servers?: readonly string[];
  /** Milliseconds per query attempt; default 5 s. */
  readonly timeout?: number;
}

function wantedFamily(options: LookupOptions | number): 0 | 4 | 6 {
  const family = typeof options === "number" ? options : options.family;
  if (family === 4 || family === "IPv4") return 4;
  if (family === 6 || family === "IPv6") return 6;
  return 0;
}

export function createDnsOnlyLookup(options: DnsOnlyLookupOptions = {}): DnsOnlyLookup {
  const resolver = new Resolver({ timeout: options.timeout ?? 5_000, tries: 2 });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  return (hostname, lookupOptions, callback) => {
    const all = typeof lookupOptions === "object" && lookupOptions.all === true;
    const literal = isIP(hostname);
    if (literal !== 0) {
      if (all) callback(null, [{ address: hostname, family: literal }]);
      else callback(null, hostname, literal);
      return;
    }
    const family = wantedFamily(lookupOptions);
    const none = Promise.resolve<string[]>([]);
    void Promise.allSettled([
      family === 6 ? none : resolver.resolve4(hostname),
      family === 4 ? none : resolver.resolve6(hostname),
    ]).then(([v4, v6]) => {
      const addresses: LookupAddress[] = [
        ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 })) : []),
        ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 })) : []),
      ];
      const first = addresses[0];
      if (first === undefined) {
        const reason =
          v4.status === "rejected" ? v4.reason : v6.status === "rejected" ? v6.reason : undefined;
        const error: NodeJS.ErrnoException = new Error(`DNS has no address for ${hostname}`, {
          cause: reason,
        });
        error.code = "ENOTFOUND";
        callback(error, all ? [] : "", undefined);
        return;
      }
      if (all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * Whether a provider's upstream must bypass /etc/hosts: the host-alias door is on and the provider's
 * baseUrl host is one the doors claim (so the pod's hostAliases map it to the sidecar).
 */
export function needsDnsOnlyLookup(
  config: Pick<OutriggerConfig, "listen" | "providers">,
  provider: ProviderConfig,
): boolean {
  if (config.listen.tls === undefined) return false;
  const host = new URL(provider.baseUrl).hostname.toLowerCase();
  return Object.values(config.providers).some((candidate) =>
    candidate.hosts.some((claimed) => claimed.toLowerCase() === host),
  );
}
