// Fallback candidates when a provider's circuit is open or its attempts are spent, of either dialect.
import type { FallbackTarget } from "../config/config-types.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { Route } from "../routing/route.ts";
import type { RouteTable } from "../routing/route-table.ts";

export interface FallbackCandidate {
  readonly provider: ProviderRuntime;
  readonly model?: string;
}

/** The targets that apply: the matched `models` rule's when it names some, else the provider's own. */
function targetsOf(route: Route): readonly FallbackTarget[] {
  return route.fallback ?? route.provider.config.fallback;
}

/**
 * The fallback targets for `route`, in config order, of either dialect: the convert stage runs per attempt
 * inside resilience and converts to and from a provider of the other dialect.
 */
export function fallbackCandidates(route: Route, table: RouteTable): FallbackCandidate[] {
  const provider = route.provider;
  const candidates: FallbackCandidate[] = [];
  for (const target of targetsOf(route)) {
    const runtime = table.providers.get(target.provider);
    if (runtime === undefined || runtime === provider) continue;
    candidates.push({ provider: runtime, ...(target.model === undefined ? {} : { model: target.model }) });
  }
  return candidates;
}

/**
 * The exchange re-aimed at a same-dialect fallback: the route's provider swapped and, when the target names a
 * model, the JSON body's top-level `model` replaced (both dialects carry it there). Observation and timings
 * are shared with the original, so telemetry sees one request; `answeredBy` names who served it.
 */
export function exchangeForFallback(exchange: Exchange, candidate: FallbackCandidate): Exchange {
  const route = exchange.route;
  if (route === undefined) throw new Error("fallback without a route");
  let body = exchange.request.body;
  if (candidate.model !== undefined && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        body = Buffer.from(JSON.stringify({ ...parsed, model: candidate.model }));
      }
    } catch {
      // Not JSON: sent as it came; the provider judges it.
    }
  }
  exchange.observed.answeredBy = candidate.provider.id;
  return {
    ...exchange,
    request: { ...exchange.request, body },
    route: { ...route, provider: candidate.provider },
    attempt: 1,
  };
}
