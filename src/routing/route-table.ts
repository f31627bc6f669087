// The route table built from config: provider by path prefix (base-URL door), by host (intercept doors), by model (unified routes).
import type { FallbackTarget, ModelRule } from "../config/config-types.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";

export interface ModelMatch {
  readonly provider: ProviderRuntime;
  readonly fallback: readonly FallbackTarget[];
}

export interface RouteTable {
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  byPrefix(id: string): ProviderRuntime | undefined;
  byHost(host: string): ProviderRuntime | undefined;
  /** The first `models` rule whose glob matches the model. */
  byModel(model: string): ModelMatch | undefined;
  /** The rules' globs in order, for error messages. */
  readonly modelRules: readonly string[];
}

/** `claude-*` → /^claude-.*$/: `*` any run, `?` one character, everything else literal. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`);
}

export function createRouteTable(
  providers: readonly ProviderRuntime[],
  models: readonly ModelRule[] = [],
): RouteTable {
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  const byHost = new Map<string, ProviderRuntime>();
  for (const provider of providers) {
    for (const host of provider.config.hosts) {
      // First claim wins, so config order decides between two providers listing the same host.
      if (!byHost.has(host.toLowerCase())) byHost.set(host.toLowerCase(), provider);
    }
  }
  const rules = models.flatMap((rule) => {
    const provider = byId.get(rule.provider);
    return provider === undefined ? [] : [{ pattern: globToRegExp(rule.match), provider, rule }];
  });
  return {
    providers: byId,
    byPrefix: (id) => byId.get(id),
    byHost: (host) => byHost.get(host.toLowerCase().replace(/:\d+$/, "")),
    byModel(model) {
      const found = rules.find((rule) => rule.pattern.test(model));
      return found === undefined ? undefined : { provider: found.provider, fallback: found.rule.fallback };
    },
    modelRules: models.map((rule) => `${rule.match} → ${rule.provider}`),
  };
}
