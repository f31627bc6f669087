// Starts a whole sidecar from a loaded config: providers, pipeline, listeners; and drains it on stop.
import type { Server } from "node:http";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { createTokenVerifier } from "./auth/authenticate-stage.ts";
import type { LoadedConfig, OutriggerConfig } from "./config/config-types.ts";
import { createCredentialSource } from "./credentials/create-credential-source.ts";
import { pooledCredentials } from "./credentials/key-pool.ts";
import { ProxyError } from "./errors/proxy-error.ts";
import { createLimiter } from "./limits/create-limiter.ts";
import type { Exchange } from "./pipeline/exchange.ts";
import { adapterFor } from "./providers/providers.ts";
import type { ProviderRuntime } from "./routing/provider-runtime.ts";
import { createRouteTable } from "./routing/route-table.ts";
import { createAdminServer } from "./server/admin-listener.ts";
import { createDnsOnlyLookup, needsDnsOnlyLookup } from "./server/dns-only-lookup.ts";
import type { InterceptDoors } from "./server/intercept-doors.ts";
import { type ListenAddress, listen, parseListenAddress, urlOf } from "./server/listen-address.ts";
import { createProxyRequestHandler, createProxyServer } from "./server/proxy-listener.ts";
import { drainServers } from "./server/shutdown.ts";
import { createWebSocketUpgradeHandler } from "./server/websocket-upgrade.ts";
import { createLiveStreams } from "./streaming/live-streams.ts";
import { configuredModelNames } from "./telemetry/genai-attributes.ts";
import { InflightExchanges } from "./telemetry/inflight-exchanges.ts";
import { createLogger } from "./telemetry/logger.ts";
import { createMetrics, type Metrics } from "./telemetry/metrics.ts";
import { finishHeldExchanges } from "./telemetry/observe-stage.ts";
import { startTelemetry } from "./telemetry/telemetry.ts";
import { createUndiciUpstreamClient, warmUpstream } from "./upstream/undici-upstream-client.ts";

export interface SidecarOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly version?: string;
  /** Skip opening warm connections (tests that count upstream requests). */
  readonly warm?: boolean;
  /** Called once per finished exchange (after its body ended or was abandoned). */
  readonly onExchangeFinished?: (exchange: Exchange, status: number, completed: boolean) => void;
}

export interface Sidecar {
  readonly config: OutriggerConfig;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  /** The forward-proxy door (`listen.intercept`) and host-alias door (`listen.tls`), when configured. */
  readonly interceptUrl?: string;
  readonly tlsUrl?: string;
  readonly providers: readonly ProviderRuntime[];
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Stops accepting, lets in-flight work finish up to `grace` ms, closes pools. */
  stop(grace?: number): Promise<boolean>;
}

function createProviders(
  config: OutriggerConfig,
  env: NodeJS.ProcessEnv,
  metrics: Metrics,
): ProviderRuntime[] {
  return Object.entries(config.providers).map(([id, providerConfig]) => ({
    id,
    config: providerConfig,
    adapter: adapterFor(providerConfig.protocol),
    // Several credentials form a key pool, whose view shows set-aside keys in /readyz.
    credentials: pooledCredentials(
      id,
      providerConfig.credentials.map((entry) => createCredentialSource(entry, { env })),
      metrics,
    ),
    upstream: createUndiciUpstreamClient({
      baseUrl: providerConfig.baseUrl,
      tls: providerConfig.tls,
      pool: providerConfig.pool,
      connectTimeout: providerConfig.resilience.timeouts.connect,
      // hostAliases point this host at the sidecar itself (host-alias door): resolve it by DNS instead.
      ...(needsDnsOnlyLookup(config, providerConfig) ? { lookup: createDnsOnlyLookup() } : {}),
    }),
  }));
}

/** How long stop() waits, after the drain, for cut requests to be recorded before telemetry shuts down. */
const recordingBound = 1_000;

export async function startSidecar(loaded: LoadedConfig, options: SidecarOptions = {}): Promise<Sidecar> {
  const { config } = loaded;
  const env = options.env ?? process.env;
  const logger =
    options.logger ?? createLogger({ level: env.OUTRIGGER_LOG_LEVEL ?? config.telemetry.accessLog.level });
  const metrics = createMetrics();
  const providers = createProviders(config, env, metrics);
  const limiter = await createLimiter(config, { logger, metrics, env });
  const table = createRouteTable(providers, config.models);
  const telemetry = await startTelemetry({
    config,
    env,
    logger,
    metrics,
    providers,
    version: options.version ?? "dev",
    ...(options.onExchangeFinished === undefined ? {} : { onExchangeFinished: options.onExchangeFinished }),
  });
  const inflight = new InflightExchanges();
  // Streams still running when the shutdown grace is over end with an error event, not a cut connection.
  const liveStreams = createLiveStreams();
  const app = createApp({
    table,
    metrics,
    logger,
    inflight,
    maxModels: config.telemetry.metrics.maxModels,
    ...(telemetry.onExchangeFinished === undefined
      ? {}
      : { onExchangeFinished: telemetry.onExchangeFinished }),
    ...(telemetry.tracer === undefined ? {} : { tracer: telemetry.tracer }),
    propagateTraceUpstream: telemetry.propagateTraceUpstream,
    configuredModels: configuredModelNames(config),
    auth: config.auth,
    env,
    limiter,
    liveStreams,
  });
  const maxBodySize = Math.max(0, ...providers.map((provider) => provider.config.maxBodySize));
  const requestHandler = createProxyRequestHandler({
    handler: app,
    maxBodySize,
    onUnexpectedError: (error) => logger.warn({ err: error }, "response failed after its head was sent"),
  });

  let serving = false;
  const proxyServer = createProxyServer(requestHandler);
  const verifier = createTokenVerifier({ auth: config.auth, env });
  const upgradeHandler = createWebSocketUpgradeHandler({
    table,
    logger,
    lookupFor: (provider) =>
      needsDnsOnlyLookup(config, provider.config) ? createDnsOnlyLookup() : undefined,
    ...(verifier === undefined ? {} : { verifier }),
    keepTraceHeaders: config.telemetry.tracing.propagateUpstream,
  });
  proxyServer.on("upgrade", (request, socket, head) =>
    upgradeHandler(request, socket, head, { door: "proxy" }),
  );
  let doors: InterceptDoors | undefined;
  const adminServer = createAdminServer({
    providers,
    registry: metrics.registry,
    credentialsRequired: loaded.file !== undefined,
    isServing: () => serving,
    version: options.version ?? "dev",
    status: () => (doors === undefined ? {} : { intercept: doors.status() }),
  });
  const servers: Server[] = [proxyServer, adminServer];
  let proxyAddress: ListenAddress;
  let adminAddress: ListenAddress;
  try {
    proxyAddress = await listen(proxyServer, parseListenAddress(config.listen.proxy));
    adminAddress = await listen(adminServer, parseListenAddress(config.listen.admin));
    if (config.listen.intercept !== undefined || config.listen.tls !== undefined) {
      // Loaded only when a door is configured: the x509 stack costs megabytes a base-URL-only pod never needs.
      const { startInterceptDoors } = await import("./server/intercept-doors.ts");
      doors = await startInterceptDoors({ config, table, requestHandler, upgradeHandler, logger });
    }
    if (doors !== undefined) servers.push(...doors.servers);
  } catch (error) {
    for (const server of servers) server.close();
    await Promise.all(providers.map((provider) => provider.upstream.close()));
    await limiter.close();
    await telemetry.shutdown();
    throw error;
  }
  serving = true;

  for (const provider of providers) {
    const missing = provider.credentials.filter((source) => !source.status().available);
    if (missing.length > 0 && missing.length === provider.credentials.length) {
      logger.warn(
        { provider: provider.id, detail: missing[0]?.status().detail },
        "provider has no credential",
      );
    }
    if (options.warm !== false && provider.config.pool.warm > 0) {
      void warmUpstream(provider.upstream, provider.config.pool.warm);
    }
  }

  return {
    config,
    proxyUrl: urlOf(proxyAddress),
    adminUrl: urlOf(adminAddress),
    ...(doors?.interceptUrl === undefined ? {} : { interceptUrl: doors.interceptUrl }),
    ...(doors?.tlsUrl === undefined ? {} : { tlsUrl: doors.tlsUrl }),
    providers,
    metrics,
    logger,
    async stop(grace = config.shutdown.grace): Promise<boolean> {
      serving = false;
      const finished = await drainServers(servers, grace, {
        beforeCut: () =>
          liveStreams.cutAll(
            new ProxyError(
              "shutting_down",
              "The sidecar is shutting down; the stream was ended before it was complete.",
            ),
          ),
      });
      for (const provider of providers) {
        for (const source of provider.credentials) source.close();
      }
      await Promise.all(providers.map((provider) => provider.upstream.close()));
      await limiter.close();
      // Exchanges cut at the end of the grace take a few turns to unwind and be recorded; what is still
      // held for the end of a turn is recorded now, so every span reaches the exporter before it shuts down.
      if (!(await inflight.settled(recordingBound))) {
        logger.warn({ open: inflight.count }, "stopping with requests not yet recorded");
      }
      finishHeldExchanges();
      // Last, so the spans of requests that finished while draining are exported too.
      await telemetry.shutdown();
      return finished;
    },
  };
}
