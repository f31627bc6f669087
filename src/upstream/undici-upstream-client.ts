// The undici Pool behind each provider: keep-alive connections, opened ahead of need, TLS floor enforced.
import type { IncomingHttpHeaders } from "node:http";
import type { LookupFunction } from "node:net";
import { createSecureContext } from "node:tls";
import { Pool, errors as undiciErrors } from "undici";
import type { ProviderConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import { dispatchRequest } from "./dispatch-request.ts";
import type { UpstreamClient, UpstreamResponse } from "./upstream-client.ts";
import { certificateRejection, upstreamTlsOptions } from "./upstream-tls.ts";

export interface UndiciUpstreamOptions {
  readonly baseUrl: string;
  readonly tls: ProviderConfig["tls"];
  readonly pool: ProviderConfig["pool"];
  readonly connectTimeout: number;
  /** Socket address lookup; the host-alias door sets a DNS-only one so hostAliases do not loop back. */
  readonly lookup?: LookupFunction;
}

/** Maps undici's failures to coded errors the resilience stage can judge. */
function upstreamFailure(error: unknown, origin: string): ProxyError {
  if (error instanceof ProxyError) return error;
  const rejected = certificateRejection(error);
  if (rejected !== undefined) {
    const message = `The TLS certificate of ${origin} was rejected (${rejected}).`;
    return new ProxyError("upstream_certificate_rejected", message, { cause: error });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new ProxyError("upstream_timeout", `Timed out connecting to ${origin}.`, { cause: error });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    return new ProxyError("upstream_timeout", `${origin} sent no response head in time.`, { cause: error });
  }
  if (error instanceof undiciErrors.SocketError) {
    return new ProxyError("upstream_connection_reset", `The connection to ${origin} was closed.`, {
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNRESET" || code === "EPIPE") {
    return new ProxyError("upstream_connection_reset", `The connection to ${origin} was reset.`, {
      cause: error,
    });
  }
  return new ProxyError("upstream_unreachable", `Could not reach ${origin}.`, { cause: error });
}

export function createUndiciUpstreamClient(options: UndiciUpstreamOptions): UpstreamClient {
  const url = new URL(options.baseUrl);
  const origin = url.origin;
  const basePath = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const pool = new Pool(origin, {
    connections: options.pool.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connectTimeout: options.connectTimeout,
    // Streams can legitimately go quiet for long stretches; the resilience stage owns those timeouts.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: {
      // Built once: with `ca` set, a context per connection would parse every default root (~14 ms) each time.
      secureContext: createSecureContext(upstreamTlsOptions(options.tls)),
      ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    },
  });

  return {
    origin,
    basePath,
    async request(request): Promise<UpstreamResponse> {
      try {
        const response = await dispatchRequest(pool, {
          method: request.method,
          path: basePath + request.path,
          headers: request.headers,
          body: request.body,
          signal: request.signal,
          ...(request.headersTimeout === undefined ? {} : { headersTimeout: request.headersTimeout }),
          ...(request.headTimeout === undefined ? {} : { headTimeout: request.headTimeout }),
        });
        return {
          status: response.statusCode,
          headers: response.headers as IncomingHttpHeaders,
          body: response.body,
        };
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason ?? error;
        throw upstreamFailure(error, origin);
      }
    },
    close: () => pool.close(),
    stats: () => {
      const { connected, free, pending, queued, running } = pool.stats;
      return { connected, free, pending, queued, running };
    },
  };
}

/** Most of a warm-up answer's body read to keep its connection; past it the connection is given up. */
const warmBodyLimit = 64 * 1024;

/**
 * Opens `count` connections ahead of the first request so it does not pay the TLS handshake.
 * Best effort: a provider that is down at start must not stop the sidecar, and nothing is logged.
 * GET, not HEAD: undici sends a HEAD with `connection: close` and drops its socket after the answer.
 */
export async function warmUpstream(client: UpstreamClient, count: number): Promise<number> {
  const attempts = Array.from({ length: count }, async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    try {
      const response = await client.request({
        method: "GET",
        path: "/",
        headers: {},
        body: undefined,
        signal: controller.signal,
      });
      // Only a body read to its end returns the connection to the pool; a large one is not worth it.
      let read = 0;
      for await (const chunk of response.body) {
        read += chunk.length;
        if (read > warmBodyLimit) return 0;
      }
      return 1;
    } catch {
      return 0;
    } finally {
      clearTimeout(timer);
    }
  });
  const results = await Promise.all(attempts);
  return results.reduce<number>((sum, value) => sum + value, 0);
}
