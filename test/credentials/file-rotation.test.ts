// A mounted Secret rotated by Kubernetes' atomic `..data` symlink swap takes effect without a restart.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import Anthropic from "@anthropic-ai/sdk";
import { harnessConfig, startHarness } from "../support/sidecar-harness.ts";

/** Lays out a directory the way the kubelet does: `key -> ..data/key`, `..data -> ..2026_…`. */
function kubernetesSecretDirectory(key: string): { directory: string; rotate: (next: string) => void } {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-secret-"));
  let generation = 0;
  const writeGeneration = (value: string): string => {
    const name = `..2026_11_26_${generation++}`;
    mkdirSync(join(directory, name));
    writeFileSync(join(directory, name, "anthropic"), `${value}\n`);
    return name;
  };
  symlinkSync(writeGeneration(key), join(directory, "..data"));
  symlinkSync("..data/anthropic", join(directory, "anthropic"));
  return {
    directory,
    rotate(next) {
      const name = writeGeneration(next);
      symlinkSync(name, join(directory, "..data_tmp"));
      // rename(2) over the old link is the atomic swap the kubelet performs.
      renameSync(join(directory, "..data_tmp"), join(directory, "..data"));
    },
  };
}

test("a rotated key is injected on the next requests, no restart", async () => {
  const secret = kubernetesSecretDirectory("sk-ant-first-generation");
  const harness = await startHarness({
    config: (url) => {
      const config = harnessConfig(url) as { providers: Record<string, Record<string, unknown>> };
      config.providers.anthropic = {
        ...config.providers.anthropic,
        credentials: [{ file: join(secret.directory, "anthropic") }],
      };
      return config;
    },
  });
  try {
    const client = new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });
    const ask = async (): Promise<unknown> => {
      await client.messages.create({
        model: "claude",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      });
      return harness.simulator.requests.at(-1)?.headers["x-api-key"];
    };
    assert.equal(await ask(), "sk-ant-first-generation");
    secret.rotate("sk-ant-second-generation");
    let seen = await ask();
    // The watch fires within milliseconds; the generous bound only guards a slow CI machine.
    for (let waited = 0; seen !== "sk-ant-second-generation" && waited < 5_000; waited += 50) {
      await delay(50);
      seen = await ask();
    }
    assert.equal(seen, "sk-ant-second-generation");
  } finally {
    await harness.close();
  }
});
