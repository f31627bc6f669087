// The injection webhook's HTTPS server: POST /mutate, /healthz, /readyz, /metrics; reloads its certificate.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { type CertificateReloader, readCertificatePair, watchCertificate } from "./certificate-reloader.ts";
import { reviewPod } from "./review-pod.ts";
import type { WebhookConfig } from "./webhook-config.ts";
import { createWebhookMetrics, type WebhookMetrics } from "./webhook-metrics.ts";

/** pino's call shape, so the CLI passes a pino logger and tests a recorder. */
export interface WebhookLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface WebhookServerOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly config: WebhookConfig;
  readonly port: number;
  readonly host?: string;
  readonly logger: WebhookLogger;
  readonly metrics?: WebhookMetrics;
  readonly certificatePollIntervalMs?: number;
}

export interface WebhookServer {
  readonly port: number;
  readonly metrics: WebhookMetrics;
  /** Re-reads the certificate files now (the watcher also does this on change). */
  reloadCertificate(): Promise<boolean>;
  /** Stops answering ready, waits for in-flight reviews, closes. */
  close(): Promise<void>;
}

/** Twice the API server's own request limit: anything larger is not a real review. */
const maxBodyBytes = 6 * 1024 * 1024;

/** `/mutate` is for the per-pod opt-in entry; `/mutate/namespace` for namespaces labelled outrigger.dev/inject=enabled. */
const mutatePaths = new Map([
  ["/mutate", false],
  ["/mutate/namespace", true],
]);

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { logger, config } = options;
  const metrics = options.metrics ?? createWebhookMetrics();
  const initial = await readCertificatePair(options.certFile, options.keyFile);
  let ready = false;

  const mutate = async (request: IncomingMessage, response: ServerResponse, namespaceOptedIn: boolean) => {
    const stopTimer = metrics.duration.startTimer();
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = raw === undefined ? undefined : JSON.parse(raw.toString("utf8"));
    } catch {
      body = undefined;
    }
    const result = reviewPod(body, { config, namespaceOptedIn });
    metrics.admissions.inc({ outcome: result.outcome });
    if (result.warnings.length > 0) metrics.warnings.inc(result.warnings.length);
    const fields = { uid: result.uid, pod: result.pod, outcome: result.outcome, reason: result.reason };
    if (result.reason !== undefined) logger.warn(fields, "admission review allowed without injection");
    else logger.info(fields, "admission review");
    send(response, 200, "application/json", JSON.stringify(result.answer));
    stopTimer();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "https://webhook").pathname;
    const namespaceOptedIn = mutatePaths.get(path);
    if (namespaceOptedIn !== undefined) {
      if (request.method !== "POST") return send(response, 405, "text/plain", "use POST\n");
      return mutate(request, response, namespaceOptedIn);
    }
    if (request.method !== "GET" && request.method !== "HEAD")
      return send(response, 405, "text/plain", "use GET\n");
    if (path === "/healthz") return send(response, 200, "text/plain", "ok\n");
    if (path === "/readyz")
      return send(response, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "not ready\n");
    if (path === "/metrics") {
      return send(response, 200, metrics.registry.contentType, await metrics.registry.metrics());
    }
    return send(response, 404, "text/plain", "not found\n");
  };

  const server: Server = createServer({ cert: initial.cert, key: initial.key, minVersion: "TLSv1.2" });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        "webhook request failed",
      );
      if (!response.headersSent) send(response, 500, "text/plain", "internal error\n");
      else response.destroy();
    });
  });
  // A failed TLS handshake (scanner, stale CA) is the client's problem; do not let it reach the process.
  server.on("tlsClientError", () => undefined);

  const reloader: CertificateReloader = watchCertificate({
    certFile: options.certFile,
    keyFile: options.keyFile,
    initial,
    pollIntervalMs: options.certificatePollIntervalMs,
    onReload(pair) {
      server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2" });
      metrics.certificateReloads.inc({ result: "applied" });
      logger.info({ certFile: options.certFile }, "serving certificate reloaded");
    },
    onRejected(error) {
      metrics.certificateReloads.inc({ result: "rejected" });
      const message = error instanceof Error ? error.message : String(error);
      logger.warn(
        { certFile: options.certFile, error: message },
        "certificate files changed but are not usable yet",
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  ready = true;
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    metrics,
    reloadCertificate: () => reloader.check(),
    async close() {
      ready = false;
      reloader.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // In-flight reviews take milliseconds; do not let a stuck client hold the shutdown.
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      force.unref();
      await closed;
      clearTimeout(force);
    },
  };
}
