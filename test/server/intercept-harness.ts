// Test harness for the intercept and TLS doors: the simulator as every provider, a sidecar whose providers claim the real hosts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";

export const claimed = {
  anthropic: "api.anthropic.com",
  deepseek: "api.deepseek.com",
  openai: "api.openai.com",
} as const;

export interface InterceptHarness extends Harness {
  readonly caDirectory: string;
  readonly caFile: string;
  readonly bundleFile: string;
  /** `http://127.0.0.1:PORT` of the forward-proxy door. */
  readonly interceptUrl: string;
  readonly tlsPort: number;
}

export interface InterceptHarnessOptions {
  readonly passthrough?: "allow" | "deny";
  /** Extra providers (merged into the harness's three), e.g. a WebSocket echo provider. */
  readonly providers?: Record<string, unknown>;
  readonly tls?: boolean;
}

export async function startInterceptHarness(
  options: InterceptHarnessOptions = {},
): Promise<InterceptHarness> {
  const caDirectory = mkdtempSync(join(tmpdir(), "outrigger-intercept-ca-"));
  const harness = await startHarness({
    config: (simulatorUrl) => {
      const config = harnessConfig(simulatorUrl, {
        listen: {
          proxy: "127.0.0.1:0",
          admin: "127.0.0.1:0",
          intercept: "127.0.0.1:0",
          ...(options.tls === false ? {} : { tls: "127.0.0.1:0" }),
        },
        intercept: {
          ca: { generate: caDirectory },
          passthrough: options.passthrough ?? "allow",
          leafValidity: "1h",
        },
      });
      const providers = config.providers as Record<string, Record<string, unknown>>;
      for (const [id, host] of Object.entries(claimed)) {
        const provider = providers[id];
        if (provider !== undefined) provider.hosts = [host];
      }
      Object.assign(providers, options.providers ?? {});
      return config;
    },
  });
  const interceptUrl = harness.sidecar.interceptUrl;
  if (interceptUrl === undefined) throw new Error("the sidecar did not open listen.intercept");
  const tlsPort = harness.sidecar.tlsUrl === undefined ? 0 : Number(new URL(harness.sidecar.tlsUrl).port);
  return {
    ...harness,
    caDirectory,
    caFile: join(caDirectory, "ca.pem"),
    bundleFile: join(caDirectory, "ca-bundle.pem"),
    interceptUrl,
    tlsPort,
    async close() {
      await harness.close();
      rmSync(caDirectory, { recursive: true, force: true });
    },
  };
}
