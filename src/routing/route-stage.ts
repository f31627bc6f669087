// route: resolves the provider from path prefix, host or model (unified routes), and checks the body size.

import { formatSize } from "../config/size.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { Dialect, RequestSummary } from "../providers/provider-adapter.ts";
import { adapterForDialect } from "../providers/providers.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";
import type { Route } from "./route.ts";
import type { RouteTable } from "./route-table.ts";

export interface RouteOptions {
  readonly table: RouteTable;
}

/** The unified routes: one endpoint per dialect, the provider chosen by the request's model. */
const unifiedPaths: Readonly<Record<string, Dialect>> = {
  "/v1/chat/completions": "openai",
  "/v1/messages": "anthropic",
};

interface Resolved {
  readonly route: Route;
  /** Set when resolving already read the body (unified routes), so it is not parsed twice. */
  readonly summary?: RequestSummary;
}

function resolveUnified(exchange: Exchange, table: RouteTable, clientDialect: Dialect): Resolved {
  const { request } = exchange;
  const summary = adapterForDialect(clientDialect).summarizeRequest(request.body, request.headers);
  const { model } = summary;
  if (model === undefined) {
    throw new ProxyError(
      "bad_request",
      `${request.path} needs a JSON body with a "model" to choose the provider.`,
    );
  }
  const match = table.byModel(model);
  if (match === undefined) {
    const rules = table.modelRules.length === 0 ? "(none configured)" : table.modelRules.join(", ");
    throw new ProxyError("unknown_route", `No models rule matches '${model}'. Rules: ${rules}.`);
  }
  const chatPath = match.provider.adapter.chatPath ?? request.path;
  return {
    route: {
      provider: match.provider,
      upstreamPath: chatPath + request.search,
      clientDialect,
      unified: true,
      ...(match.fallback.length === 0 ? {} : { fallback: match.fallback }),
    },
    summary,
  };
}

function resolve(exchange: Exchange, table: RouteTable): Resolved {
  const { request } = exchange;
  const unifiedDialect = request.door === "proxy" ? unifiedPaths[request.path] : undefined;
  if (unifiedDialect !== undefined && request.method === "POST")
    return resolveUnified(exchange, table, unifiedDialect);
  if (request.door !== "proxy" && request.host !== undefined) {
    const provider = table.byHost(request.host);
    if (provider !== undefined) {
      const route = {
        provider,
        upstreamPath: request.path + request.search,
        clientDialect: provider.adapter.dialect,
      };
      return { route };
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
  return {
    route: { provider, upstreamPath: rest + request.search, clientDialect: provider.adapter.dialect },
  };
}

export function routeStage(options: RouteOptions): Stage {
  return function route(next: Handler): Handler {
    return async (exchange) => {
      const { route: resolved, summary: known } = resolve(exchange, options.table);
      exchange.route = resolved;
      exchange.observed.routedTo = resolved.provider.id;
      // Before the size check: an oversized chat request is still a failed chat operation in the metrics.
      // The client's path is in the client's dialect, whichever provider answers it.
      const operation = adapterForDialect(resolved.clientDialect).genAiOperation(exchange.request.path);
      if (operation !== undefined) exchange.observed.operation = operation;
      const limit = resolved.provider.config.maxBodySize;
      if (exchange.request.bodyTooLarge === true || exchange.request.body.length > limit) {
        // Printed as the config spells sizes (32MiB), so the message points at the key to change.
        const size = formatSize(limit);
        throw new ProxyError(
          "body_too_large",
          `The request body exceeds this provider's maxBodySize of ${typeof size === "number" ? `${size} bytes` : size}.`,
        );
      }
      const summary =
        known ?? resolved.provider.adapter.summarizeRequest(exchange.request.body, exchange.request.headers);
      if (summary.model !== undefined) exchange.observed.requestModel = summary.model;
      exchange.observed.stream = summary.stream;
      return next(exchange);
    };
  };
}
