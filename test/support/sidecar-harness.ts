// Test harness: a simulator standing in for the providers and a sidecar in this process pointed at it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load-config.ts";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import { type Sidecar, startSidecar } from "../../src/sidecar.ts";
import {
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "../../src/simulate/simulator-server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

export const upstreamKeys = {
  anthropic: "sk-ant-test-injected-0001",
  deepseek: "sk-deepseek-test-injected-0002",
  openai: "sk-openai-test-injected-0003",
} as const;

export interface Harness {
  readonly simulator: Simulator;
  readonly sidecar: Sidecar;
  /** Exchanges finished so far, newest last. */
  readonly finished: Exchange[];
  /** Resolves once `count` exchanges have finished in all. */
  waitFinished(count: number): Promise<Exchange[]>;
  close(): Promise<void>;
}

/** A config with the three providers at the simulator, keys from files in a temp dir. */
export function harnessConfig(
  simulatorUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-keys-"));
  const keyFile = (name: keyof typeof upstreamKeys): string => {
    const path = join(directory, name);
    writeFileSync(path, `${upstreamKeys[name]}\n`);
    return path;
  };
  return {
    listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
    providers: {
      anthropic: {
        protocol: "anthropic",
        baseUrl: simulatorUrl,
        hosts: [],
        credentials: [{ file: keyFile("anthropic") }],
      },
      deepseek: {
        protocol: "openai",
        baseUrl: simulatorUrl,
        hosts: [],
        credentials: [{ file: keyFile("deepseek") }],
      },
      openai: {
        protocol: "openai",
        baseUrl: simulatorUrl,
        hosts: [],
        credentials: [{ file: keyFile("openai") }],
      },
    },
    ...extra,
  };
}

export async function startHarness(
  options: { simulator?: SimulatorOptions; config?: (simulatorUrl: string) => Record<string, unknown> } = {},
): Promise<Harness> {
  const simulator = await startSimulator(options.simulator ?? {});
  const raw = options.config?.(simulator.url) ?? harnessConfig(simulator.url);
  const finished: Exchange[] = [];
  const waiters: { count: number; resolve: (exchanges: Exchange[]) => void }[] = [];
  const sidecar = await startSidecar(
    { config: parseConfig(raw), file: "harness.yaml" },
    {
      warm: false,
      logger: createLogger({ level: "silent" }),
      onExchangeFinished: (exchange) => {
        finished.push(exchange);
        for (const waiter of waiters.filter((candidate) => candidate.count <= finished.length)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(finished);
        }
      },
    },
  );
  return {
    simulator,
    sidecar,
    finished,
    waitFinished: (count) =>
      finished.length >= count
        ? Promise.resolve(finished)
        : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      await sidecar.stop(1_000);
      await simulator.close();
    },
  };
}
