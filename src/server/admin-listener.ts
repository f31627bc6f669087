// The admin door: /healthz, /readyz, /metrics and /status. Nothing secret is ever served here.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";

export interface AdminOptions {
  readonly providers: readonly ProviderRuntime[];
  readonly registry: Registry;
  /** Whether a provider without a credential makes the sidecar unready (true when a config file names it). */
  readonly credentialsRequired: boolean;
  readonly isServing: () => boolean;
  /** Extra sections for /status (e.g. the intercept CA fingerprint), contributed by other features. */
  readonly status?: () => Record<string, unknown>;
  readonly version: string;
}

export function providerReadiness(providers: readonly ProviderRuntime[]) {
  return Object.fromEntries(
    providers.map((provider) => {
      const keys = provider.credentials.map((source) => {
        const status = source.status();
        return {
          source: source.description,
          available: status.available,
          detail: status.detail,
          ...(status.keyId === undefined ? {} : { keyId: status.keyId }),
          ...(status.expiresAt === undefined ? {} : { expiresAt: new Date(status.expiresAt).toISOString() }),
        };
      });
      const ready = keys.length === 0 || keys.some((key) => key.available);
      return [
        provider.id,
        { protocol: provider.config.protocol, baseUrl: provider.config.baseUrl, ready, credentials: keys },
      ];
    }),
  );
}

export function createAdminServer(options: AdminOptions): Server {
  return createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const json = (status: number, value: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(`${JSON.stringify(value, null, 2)}\n`);
    };
    if (request.method !== "GET" && request.method !== "HEAD") {
      json(405, { error: "method not allowed" });
      return;
    }
    switch (path) {
      case "/healthz":
        json(200, { status: "ok" });
        return;
      case "/readyz": {
        const providers = providerReadiness(options.providers);
        const missing = Object.entries(providers)
          .filter(([, value]) => !value.ready)
          .map(([id]) => id);
        const serving = options.isServing();
        const ready = serving && (!options.credentialsRequired || missing.length === 0);
        json(ready ? 200 : 503, {
          status: ready ? "ready" : "not ready",
          serving,
          ...(missing.length === 0 ? {} : { providersWithoutCredential: missing }),
          providers,
        });
        return;
      }
      case "/metrics":
        options.registry.metrics().then(
          (text) => {
            response.writeHead(200, { "content-type": options.registry.contentType });
            response.end(text);
          },
          () => json(500, { error: "metrics unavailable" }),
        );
        return;
      case "/status":
        json(200, {
          version: options.version,
          providers: providerReadiness(options.providers),
          ...(options.status?.() ?? {}),
        });
        return;
      default:
        json(404, { error: "not found", paths: ["/healthz", "/readyz", "/metrics", "/status"] });
    }
  });
}
