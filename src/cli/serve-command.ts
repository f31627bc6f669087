// `outrigger serve [--config FILE]`: runs the sidecar until SIGTERM/SIGINT, then drains and exits 0.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../config/config-error.ts";
import { loadConfig } from "../config/load-config.ts";
import { startSidecar } from "../sidecar.ts";
import { untilStopSignal } from "./stop-signal.ts";

const help = `Usage: outrigger serve [--config FILE]

Runs the sidecar. Without --config, OUTRIGGER_CONFIG names the file; with neither, the built-in
defaults serve anthropic, deepseek and openai on 127.0.0.1:7700 (admin on 127.0.0.1:7702).

Options:
  --config, -c FILE  YAML or JSON configuration (see docs/configuration.md)
  --help, -h         show this help
`;

function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const version = (parsed as { version?: unknown }).version;
  return typeof version === "string" ? version : "dev";
}

export async function run(args: readonly string[]): Promise<number> {
  let values: { config?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`outrigger serve: ${(error as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(help);
    return 0;
  }
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(values.config === undefined ? {} : { file: values.config });
  } catch (error) {
    process.stderr.write(`outrigger: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 1;
  }
  const sidecar = await startSidecar(loaded, { version: packageVersion() });
  sidecar.logger.info(
    {
      proxy: sidecar.proxyUrl,
      admin: sidecar.adminUrl,
      ...(sidecar.interceptUrl === undefined ? {} : { intercept: sidecar.interceptUrl }),
      ...(sidecar.tlsUrl === undefined ? {} : { tls: sidecar.tlsUrl }),
      config: loaded.file ?? "built-in defaults",
      providers: sidecar.providers.map((provider) => `${sidecar.proxyUrl}/${provider.id}`),
    },
    "outrigger serving",
  );

  const signal = await untilStopSignal();
  sidecar.logger.info({ signal, grace: sidecar.config.shutdown.grace }, "draining");
  const finished = await sidecar.stop();
  sidecar.logger.info({ finished }, finished ? "drained" : "grace expired; remaining connections closed");
  sidecar.logger.flush();
  return 0;
}
