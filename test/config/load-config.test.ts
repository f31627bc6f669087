import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ConfigError } from "../../src/config/config-error.ts";
import { defaultConfig } from "../../src/config/default-config.ts";
import { loadConfig } from "../../src/config/load-config.ts";

let directory = "";
before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-config-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = join(directory, name);
  await writeFile(file, text);
  return file;
}

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  try {
    await loadConfig(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadConfig to reject");
}

const yamlText = `# a sidecar for one provider
listen:
  proxy: 127.0.0.1:8800
providers:
  anthropic:
    resilience:
      retry: { maxAttempts: 5, baseDelay: 250ms }
    maxBodySize: 4MiB
shutdown:
  grace: 10s
`;

test("loads a YAML file, filling every default", async () => {
  const file = await write("outrigger.yaml", yamlText);
  const loaded = await loadConfig({ file, env: {} });
  assert.equal(loaded.file, file);
  assert.equal(loaded.config.listen.proxy, "127.0.0.1:8800");
  assert.equal(loaded.config.listen.admin, "127.0.0.1:7702");
  const anthropic = loaded.config.providers.anthropic;
  assert.equal(anthropic?.resilience.retry.maxAttempts, 5);
  assert.equal(anthropic?.resilience.retry.baseDelay, 250);
  assert.equal(anthropic?.resilience.retry.maxDelay, 8000);
  assert.equal(anthropic?.maxBodySize, 4 * 1024 * 1024);
  assert.equal(loaded.config.shutdown.grace, 10_000);
  assert.deepEqual(Object.keys(loaded.config.providers), ["anthropic"]);
});

test("loads the same config from JSON", async () => {
  const json = {
    listen: { proxy: "127.0.0.1:8800" },
    providers: {
      anthropic: { resilience: { retry: { maxAttempts: 5, baseDelay: "250ms" } }, maxBodySize: "4MiB" },
    },
    shutdown: { grace: "10s" },
  };
  const jsonFile = await write("outrigger.json", JSON.stringify(json, null, 2));
  const yamlFile = await write("same.yml", yamlText);
  const fromJson = await loadConfig({ file: jsonFile, env: {} });
  const fromYaml = await loadConfig({ file: yamlFile, env: {} });
  assert.deepEqual(fromJson.config, fromYaml.config);
});

test("OUTRIGGER_CONFIG names the file when no file is given; an explicit file wins", async () => {
  const fromEnv = await write("env.yaml", "listen: { proxy: 127.0.0.1:9001 }\n");
  const explicit = await write("explicit.yaml", "listen: { proxy: 127.0.0.1:9002 }\n");
  const viaEnv = await loadConfig({ env: { OUTRIGGER_CONFIG: fromEnv } });
  assert.equal(viaEnv.config.listen.proxy, "127.0.0.1:9001");
  assert.equal(viaEnv.file, fromEnv);
  const viaOption = await loadConfig({ file: explicit, env: { OUTRIGGER_CONFIG: fromEnv } });
  assert.equal(viaOption.config.listen.proxy, "127.0.0.1:9002");
});

test("no file and no OUTRIGGER_CONFIG gives the built-in defaults", async () => {
  const loaded = await loadConfig({ env: {} });
  assert.equal(loaded.file, undefined);
  assert.deepEqual(loaded.config, defaultConfig());
  assert.deepEqual(await loadConfig({ env: { OUTRIGGER_CONFIG: "" } }), { config: defaultConfig() });
});

test("an empty file is every default", async () => {
  const file = await write("empty.yaml", "# nothing here\n");
  assert.deepEqual((await loadConfig({ file, env: {} })).config, defaultConfig());
});

test("a missing file is a ConfigError naming it", async () => {
  const file = join(directory, "absent.yaml");
  const error = await loadError({ file, env: {} });
  assert.equal(error.message, `${file}: cannot read the config file: it does not exist`);
  const viaEnv = await loadError({ env: { OUTRIGGER_CONFIG: file } });
  assert.match(viaEnv.message, /absent\.yaml: cannot read the config file: it does not exist/);
  const isDirectory = await loadError({ file: directory, env: {} });
  assert.match(isDirectory.message, /it is a directory/);
});

test("a YAML syntax error names the file, line and column", async () => {
  const file = await write("broken.yaml", "listen:\n  proxy: 127.0.0.1:7700\n providers: [\n");
  const error = await loadError({ file, env: {} });
  assert.equal(error.problems[0]?.path, "");
  assert.equal(typeof error.problems[0]?.line, "number");
  assert.equal(error.problems[0]?.line, 3);
  assert.ok(
    error.message.includes(`${file}:3:1: YAML syntax error: All mapping items must start at the same column`),
    error.message,
  );
});

test("duplicate keys are a syntax error, not a silent override", async () => {
  const file = await write("duplicate.yaml", "shutdown:\n  grace: 5s\nshutdown:\n  grace: 6s\n");
  const error = await loadError({ file, env: {} });
  assert.match(error.message, /duplicate\.yaml:3:1: YAML syntax error: Map keys must be unique/);
});

test("a JSON syntax error names the line and column", async () => {
  const file = await write("broken.json", '{\n  "listen": { "proxy": "127.0.0.1:7700", }\n');
  const error = await loadError({ file, env: {} });
  assert.match(error.message, /broken\.json:\d+:\d+: JSON syntax error: /);
});

test("a schema error names the file, line, column and dotted key path", async () => {
  const file = await write(
    "invalid.yaml",
    [
      "providers:",
      "  anthropic:",
      "    resilience:",
      "      retry:",
      "        maxAttempts: three",
      "        maxAttemps: 4",
      "",
    ].join("\n"),
  );
  const error = await loadError({ file, env: {} });
  assert.equal(
    error.message,
    [
      "invalid configuration (2 problems):",
      `${file}:5:22: providers.anthropic.resilience.retry.maxAttempts: expected an integer ≥ 1, received "three"`,
      `${file}:6:21: providers.anthropic.resilience.retry.maxAttemps: unknown key (did you mean "maxAttempts"?)`,
    ].join("\n"),
  );
  assert.deepEqual(error.problems[0], {
    path: "providers.anthropic.resilience.retry.maxAttempts",
    reason: 'expected an integer ≥ 1, received "three"',
    line: 5,
    column: 22,
  });
});

test("a missing required key points at its parent mapping", async () => {
  const file = await write("missing.yaml", "providers:\n  mine:\n    protocol: openai\n");
  const error = await loadError({ file, env: {} });
  assert.equal(
    error.message,
    `${file}:3:5: providers.mine.baseUrl: required: expected an absolute http(s) URL`,
  );
});

test("JSON files are read with the JSON schema and still locate errors", async () => {
  const file = await write("invalid.json", '{\n  "shutdown": {\n    "grace": 25\n  }\n}\n');
  const error = await loadError({ file, env: {} });
  assert.equal(
    error.message,
    `${file}:3:14: shutdown.grace: expected a duration string with a unit, e.g. "500ms", "30s", "10m", received 25`,
  );
});

test("YAML anchors and merge keys let providers share settings", async () => {
  const text = [
    "providers:",
    "  anthropic:",
    "    resilience: &patient",
    "      retry: { maxAttempts: 6 }",
    "      timeouts: { firstToken: 5m }",
    "  deepseek:",
    "    resilience:",
    "      <<: *patient",
    "      bulkhead: { maxConcurrent: 8 }",
    "",
  ].join("\n");
  const file = await write("anchors.yaml", text);
  const { config } = await loadConfig({ file, env: {} });
  assert.equal(config.providers.deepseek?.resilience.retry.maxAttempts, 6);
  assert.equal(config.providers.deepseek?.resilience.timeouts.firstToken, 300_000);
  assert.equal(config.providers.deepseek?.resilience.bulkhead.maxConcurrent, 8);
  assert.equal(config.providers.anthropic?.resilience.bulkhead.maxConcurrent, 256);
});
