// The route table built from config: provider by path prefix (base-URL door) or by host (intercept doors).
import type { ProviderRuntime } from "./provider-runtime.ts";

export interface RouteTable {
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  byPrefix(id: string): ProviderRuntime | undefined;
  byHost(host: string): ProviderRuntime | undefined;
}

export function createRouteTable(providers: readonly ProviderRuntime[]): RouteTable {
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  const byHost = new Map<string, ProviderRuntime>();
  for (const provider of providers) {
    for (const host of provider.config.hosts) {
      // First claim wins, so config order decides between two providers listing the same host.
      if (!byHost.has(host.toLowerCase())) byHost.set(host.toLowerCase(), provider);
    }
  }
  return {
    providers: byId,
    byPrefix: (id) => byId.get(id),
    byHost: (host) => byHost.get(host.toLowerCase().replace(/:\d+$/, "")),
  };
}
