// route: resolves the provider from path prefix or host, and checks the body against its size limit.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";
import type { Route } from "./route.ts";
import type { RouteTable } from "./route-table.ts";

export interface RouteOptions {
  readonly table: RouteTable;
}

function formatSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function resolve(exchange: Exchange, table: RouteTable): Route {
  const { request } = exchange;
  if (request.door !== "proxy" && request.host !== undefined) {
    const provider = table.byHost(request.host);
    if (provider !== undefined) {
      return {
        provider,
        upstreamPath: request.path + request.search,
        clientDialect: provider.adapter.dialect,
      };
    }
  }
  const slash = request.path.indexOf("/", 1);
  const prefix = slash === -1 ? request.path.slice(1) : request.path.slice(1, slash);
  const provider: ProviderRuntime | undefined = table.byPrefix(prefix);
  if (provider === undefined) {
    const known = [...table.providers.keys()].map((id) => `/${id}/`).join(", ");
    throw new ProxyError(
      "unknown_route",
      `No provider is configured for '${request.path}'. Configured prefixes: ${known || "(none)"}.`,
    );
  }
  const rest = slash === -1 ? "" : request.path.slice(slash);
  return { provider, upstreamPath: rest + request.search, clientDialect: provider.adapter.dialect };
}

export function routeStage(options: RouteOptions): Stage {
  return function route(next: Handler): Handler {
    return async (exchange) => {
      const resolved = resolve(exchange, options.table);
      exchange.route = resolved;
      const limit = resolved.provider.config.maxBodySize;
      if (exchange.request.bodyTooLarge === true || exchange.request.body.length > limit) {
        throw new ProxyError(
          "body_too_large",
          `The request body exceeds this provider's limit of ${formatSize(limit)}.`,
        );
      }
      const summary = resolved.provider.adapter.summarizeRequest(
        exchange.request.body,
        exchange.request.headers,
      );
      if (summary.model !== undefined) exchange.observed.requestModel = summary.model;
      exchange.observed.stream = summary.stream;
      return next(exchange);
    };
  };
}
