// `outrigger webhook`: serves the Kubernetes sidecar injection webhook over HTTPS until SIGTERM/SIGINT.
import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadWebhookConfig } from "../k8s/webhook-config.ts";
import { createWebhookMetrics } from "../k8s/webhook-metrics.ts";
import { startWebhookServer } from "../k8s/webhook-server.ts";
import { untilStopSignal } from "./stop-signal.ts";

const help = `Usage: outrigger webhook --tls-cert FILE --tls-key FILE [--port 8443] [--host ADDRESS] [--config FILE]

Serves the sidecar injection webhook: POST /mutate (pods annotated outrigger.dev/inject: "true"),
POST /mutate/namespace (pods in namespaces labelled outrigger.dev/inject=enabled), GET /healthz,
/readyz, /metrics. The certificate is reloaded when its files change. --config names the webhook's
own YAML/JSON config (sidecar image, args, defaults; see docs/kubernetes.md).
`;

export async function run(args: readonly string[]): Promise<number> {
  let values: {
    "tls-cert"?: string;
    "tls-key"?: string;
    port?: string;
    host?: string;
    config?: string;
    "log-level"?: string;
    help?: boolean;
  };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        port: { type: "string", default: "8443" },
        host: { type: "string" },
        config: { type: "string" },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(
      `outrigger webhook: ${error instanceof Error ? error.message : String(error)}\n\n${help}`,
    );
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(help);
    return 0;
  }
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  const port = Number(values.port);
  if (
    certFile === undefined ||
    keyFile === undefined ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535
  ) {
    process.stderr.write(
      `outrigger webhook: --tls-cert and --tls-key are required; --port must be a port\n\n${help}`,
    );
    return 2;
  }

  const config = await loadWebhookConfig(values.config);
  const logger = pino({ level: values["log-level"] ?? "info", base: { component: "webhook" } });
  const server = await startWebhookServer({
    certFile,
    keyFile,
    port,
    host: values.host,
    config,
    logger,
    metrics: createWebhookMetrics({ processMetrics: true }),
  });
  logger.info({ port: server.port, image: config.sidecar.image }, "injection webhook listening");

  logger.info({ signal: await untilStopSignal() }, "shutting down");
  await server.close();
  return 0;
}
