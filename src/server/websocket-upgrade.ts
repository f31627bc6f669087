// WebSocket upgrades (e.g. OpenAI Realtime) on the base-URL and intercept doors: credential injected, frames relayed as-is.
import { randomUUID } from "node:crypto";
import { Agent as HttpAgent, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { ProxyServer } from "http-proxy-3";
import { checkPresentedToken } from "../auth/authenticate-stage.ts";
import type { TokenVerifier } from "../auth/token-verifier.ts";
import type { CredentialSource } from "../credentials/credential.ts";
import { ProxyError, toProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { RouteTable } from "../routing/route-table.ts";
import { removeAppTraceHeaders } from "../telemetry/app-trace-headers.ts";
import { upstreamTlsOptions } from "../upstream/upstream-tls.ts";
import type { ProxyRequestContext } from "./proxy-listener.ts";
import { writeRawResponse } from "./raw-response.ts";

export type UpgradeHandler = (
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  context: ProxyRequestContext,
) => void;

/** The subset of a pino logger used here; never handed a secret. */
export interface UpgradeLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface WebSocketUpgradeOptions {
  readonly table: RouteTable;
  readonly logger?: UpgradeLogger;
  /** Milliseconds to open the upstream connection; default 10 s. */
  readonly connectTimeout?: number;
  /** A socket lookup for a provider's upstream (the host-alias door's DNS-only lookup), or undefined. */
  readonly lookupFor?: (provider: ProviderRuntime) => LookupFunction | undefined;
  /** The config's inbound check (`auth`), applied to upgrades as to every other request. */
  readonly verifier?: TokenVerifier;
  /** `telemetry.tracing.propagateUpstream`: keep the app's trace headers on the upstream handshake. */
  readonly keepTraceHeaders?: boolean;
}

function resolve(
  request: IncomingMessage,
  context: ProxyRequestContext,
  table: RouteTable,
): { provider: ProviderRuntime; upstreamPath: string } {
  const rawUrl = request.url ?? "/";
  if (context.door !== "proxy" && context.host !== undefined) {
    const provider = table.byHost(context.host);
    if (provider !== undefined) return { provider, upstreamPath: rawUrl };
  }
  const queryAt = rawUrl.indexOf("?");
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const slash = path.indexOf("/", 1);
  const prefix = slash === -1 ? path.slice(1) : path.slice(1, slash);
  const provider = table.byPrefix(prefix);
  if (provider === undefined)
    throw new ProxyError("unknown_route", `No provider is configured for '${path}'.`);
  return {
    provider,
    upstreamPath: (slash === -1 ? "" : path.slice(slash)) + (queryAt === -1 ? "" : rawUrl.slice(queryAt)),
  };
}

function pickSource(sources: readonly CredentialSource[]): CredentialSource | undefined {
  return sources.find((source) => source.status().available) ?? sources[0];
}

/** Reads a provider's extra CA file once, as the upstream client does for HTTP. */
/** The default roots plus `tls.ca`, as for HTTP requests (a bare `ca` would replace the default store). */
function caFor(provider: ProviderRuntime, cache: Map<string, string>): string | undefined {
  const file = provider.config.tls.ca;
  if (file === undefined) return undefined;
  let pem = cache.get(file);
  if (pem === undefined) {
    // One PEM text holding every certificate: http-proxy takes `ca` as a string.
    pem = (upstreamTlsOptions(provider.config.tls).ca ?? []).join("\n");
    cache.set(file, pem);
  }
  return pem;
}

export function createWebSocketUpgradeHandler(options: WebSocketUpgradeOptions): UpgradeHandler {
  // http-proxy-3 is loaded at the first upgrade: most pods never see one, and it costs megabytes resident.
  let proxyServer: Promise<ProxyServer> | undefined;
  const proxyFor = (): Promise<ProxyServer> => {
    proxyServer ??= import("http-proxy-3").then(({ createProxyServer }) => {
      const proxy = createProxyServer({ ws: true, xfwd: false });
      // http-proxy-3 reports upstream failures here; the per-call callback below answers the client.
      proxy.on("error", () => undefined);
      return proxy;
    });
    return proxyServer;
  };
  const caFiles = new Map<string, string>();
  const agents = new Map<string, HttpAgent | undefined>();
  /** An agent only to carry a custom lookup; upgraded sockets are never pooled. */
  const agentFor = (provider: ProviderRuntime): HttpAgent | undefined => {
    if (!agents.has(provider.id)) {
      const lookup = options.lookupFor?.(provider);
      const secure = provider.config.baseUrl.startsWith("https:");
      const agent =
        lookup === undefined ? undefined : secure ? new HttpsAgent({ lookup }) : new HttpAgent({ lookup });
      agents.set(provider.id, agent);
    }
    return agents.get(provider.id);
  };

  return (request, socket, head, context) => {
    socket.on("error", () => socket.destroy());
    void (async () => {
      let provider: ProviderRuntime | undefined;
      try {
        if ((request.headers.upgrade ?? "").toLowerCase() !== "websocket" || request.method !== "GET") {
          throw new ProxyError(
            "bad_request",
            "Only WebSocket upgrades (GET with Upgrade: websocket) are proxied.",
          );
        }
        const route = resolve(request, context, options.table);
        provider = route.provider;
        if (options.verifier !== undefined) await checkPresentedToken(options.verifier, request.headers);
        const source = pickSource(provider.credentials);
        const credential = source === undefined ? undefined : await source.current();
        if (credential?.kind === "aws") {
          throw new ProxyError(
            "bad_request",
            `Provider '${provider.id}' signs requests; WebSocket upgrades are not supported for it.`,
          );
        }
        // As for HTTP requests (the observe stage): the app's trace is not the provider's business.
        if (options.keepTraceHeaders !== true) removeAppTraceHeaders(request.headers);
        const queryAt = route.upstreamPath.indexOf("?");
        // The adapter decides how the key travels (x-api-key or bearer), exactly as for HTTP requests.
        const exchange: Exchange = {
          id: randomUUID(),
          request: {
            method: "GET",
            path: queryAt === -1 ? route.upstreamPath : route.upstreamPath.slice(0, queryAt),
            search: queryAt === -1 ? "" : route.upstreamPath.slice(queryAt),
            headers: request.headers,
            body: Buffer.alloc(0),
            door: context.door,
            ...(context.host === undefined ? {} : { host: context.host }),
          },
          signal: new AbortController().signal,
          timings: { start: performance.now() },
          attempt: 1,
          observed: { usage: {} },
          route: { provider, upstreamPath: route.upstreamPath, clientDialect: provider.adapter.dialect },
        };
        const prepared = await provider.adapter.prepare(exchange, credential);
        // prepare() drops hop-by-hop headers; an upgrade needs its two back.
        request.headers = { ...prepared.headers, connection: "Upgrade", upgrade: "websocket" };
        request.url = prepared.path;
        const ca = caFor(provider, caFiles);
        const agent = agentFor(provider);
        const providerId = provider.id;
        socket.once("close", () =>
          options.logger?.info({ provider: providerId, door: context.door }, "websocket closed"),
        );
        options.logger?.info({ provider: providerId, door: context.door }, "websocket upgrade");
        const proxy = await proxyFor();
        proxy.ws(
          request,
          socket,
          head,
          {
            target: provider.config.baseUrl,
            changeOrigin: true,
            connectTimeout: options.connectTimeout ?? 10_000,
            ...(ca === undefined ? {} : { ca }),
            ...(agent === undefined ? {} : { agent }),
          },
          (error) => {
            options.logger?.warn({ provider: providerId, error: error.message }, "websocket upstream failed");
            // After the 101 the socket carries frames: an HTTP error there would corrupt them.
            if (((socket as { bytesWritten?: number }).bytesWritten ?? 0) > 0) {
              socket.destroy();
              return;
            }
            const failure = new ProxyError(
              "upstream_unreachable",
              `Could not reach provider '${providerId}'.`,
            );
            const rendered = provider?.adapter.renderError(failure);
            if (rendered === undefined) writeRawResponse(socket, 502, failure.message);
            else writeRawResponse(socket, rendered.status, rendered.body, rendered.headers);
          },
        );
      } catch (error) {
        const failure = toProxyError(error);
        const rendered = provider?.adapter.renderError(failure);
        if (rendered === undefined) writeRawResponse(socket, failure.status, `${failure.message}\n`);
        else writeRawResponse(socket, rendered.status, rendered.body, rendered.headers);
      }
    })();
  };
}
