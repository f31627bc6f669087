import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/load-config.ts";

const repository = fileURLToPath(new URL("../../", import.meta.url));
const node = join(repository, "node_modules/.bin/node");

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node src/main.ts check-config ...` as a real child process. */
function checkConfig(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, ...env };
    if (!("OUTRIGGER_CONFIG" in env)) delete childEnv.OUTRIGGER_CONFIG;
    execFile(
      node,
      ["src/main.ts", "check-config", ...args],
      { cwd: repository, env: childEnv, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : undefined;
        if (code === undefined) reject(error);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

let directory = "";
before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-check-config-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test("a valid file prints the effective config, redacted, and exits 0", async () => {
  const file = join(directory, "valid.yaml");
  await writeFile(
    file,
    [
      "providers:",
      "  anthropic:",
      "    resilience: { retry: { maxAttempts: 4 } }",
      "redis: { url: 'redis://:s3cr3t-pass@127.0.0.1:6379' }",
      "",
    ].join("\n"),
  );
  const outcome = await checkConfig([file], { ANTHROPIC_API_KEY: "sk-ant-must-not-appear" });
  assert.equal(outcome.stderr, "");
  assert.equal(outcome.code, 0);
  assert.ok(
    outcome.stdout.startsWith(`# Effective configuration from ${file} (secrets redacted)\n`),
    outcome.stdout,
  );
  assert.ok(!outcome.stdout.includes("s3cr3t-pass"));
  assert.ok(!outcome.stdout.includes("sk-ant-must-not-appear"));
  const printed = parseConfig(parse(outcome.stdout));
  assert.equal(printed.providers.anthropic?.resilience.retry.maxAttempts, 4);
  assert.equal(printed.providers.anthropic?.resilience.retry.baseDelay, 500);
  assert.deepEqual(printed.providers.anthropic?.credentials, [{ env: "ANTHROPIC_API_KEY" }]);
  assert.equal(printed.redis?.url, "redis://:<redacted>@127.0.0.1:6379");
});

test("an invalid file prints the ConfigError to stderr and exits 1", async () => {
  const file = join(directory, "invalid.json");
  await writeFile(
    file,
    JSON.stringify({ providers: { anthropic: { resilience: { retry: { maxAttempts: "three" } } } } }),
  );
  const outcome = await checkConfig(["--config", file]);
  assert.equal(outcome.code, 1);
  assert.equal(outcome.stdout, "");
  assert.equal(
    outcome.stderr,
    `${file}:1:65: providers.anthropic.resilience.retry.maxAttempts: expected an integer ≥ 1, received "three"\n`,
  );
});

test("OUTRIGGER_CONFIG is used when no file is given; a missing file exits 1", async () => {
  const file = join(directory, "from-env.yaml");
  await writeFile(file, "listen: { proxy: 127.0.0.1:9100 }\n");
  const outcome = await checkConfig([], { OUTRIGGER_CONFIG: file });
  assert.equal(outcome.code, 0);
  assert.match(outcome.stdout, /proxy: 127\.0\.0\.1:9100/);
  const missing = await checkConfig([`--config=${join(directory, "nope.yaml")}`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.yaml: cannot read the config file: it does not exist/);
});

test("--help exits 0; an unknown option exits 2", async () => {
  const help = await checkConfig(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: outrigger check-config/);
  const bad = await checkConfig(["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option '--frobnicate'/);
});
