// `outrigger ca init` as a real child process, and loadOrCreateCertificateAuthority's generate / load / refuse paths.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { caFilePaths, loadOrCreateCertificateAuthority } from "../../src/certificates/ca-files.ts";
import { readNameConstraints } from "../../src/certificates/name-constraints.ts";
import { X509Certificate } from "../../src/certificates/x509.ts";

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
let directory = "";

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-ca-files-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function outrigger(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const environment = { ...process.env, ...env };
    delete environment.OUTRIGGER_CONFIG;
    Object.assign(environment, env);
    execFile(process.execPath, [main, ...args], { env: environment }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

function keyBody(pem: string): string {
  return pem
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("-----"))
    .join("");
}

test("ca init writes ca.pem, ca-key.pem (0600) and ca-bundle.pem (roots + CA) and prints no key material", async () => {
  const out = join(directory, "init");
  const result = await outrigger([
    "ca",
    "init",
    "--out",
    out,
    "--hosts",
    "llm.internal.example,api.mistral.ai",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const paths = caFilePaths(out);
  assert.equal((await stat(paths.key)).mode & 0o777, 0o600);
  const caPem = await readFile(paths.certificate, "utf8");
  const keyPem = await readFile(paths.key, "utf8");
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  const secret = keyBody(keyPem);
  for (const line of keyPem.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"))) {
    assert.ok(
      !result.stdout.includes(line) && !result.stderr.includes(line),
      "no line of the key is printed",
    );
  }
  assert.ok(!result.stdout.includes(secret));
  assert.ok(!caPem.includes("PRIVATE KEY"));
  const constraints = readNameConstraints(new X509Certificate(caPem));
  assert.deepEqual(constraints?.permittedHosts, [
    "api.anthropic.com",
    "api.deepseek.com",
    "api.mistral.ai",
    "api.openai.com",
    "llm.internal.example",
  ]);
  const bundle = await readFile(paths.bundle, "utf8");
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  assert.equal(blocks.length, rootCertificates.length + 1);
  assert.equal(blocks.at(-1), caPem.trim());
  assert.ok(!bundle.includes("PRIVATE KEY"));
  assert.ok(result.stdout.includes(paths.key));
  assert.ok(new X509Certificate(caPem).subject.includes("Outrigger pod CA"));
});

test("ca init refuses to overwrite an existing CA unless --force, and rejects bad input", async () => {
  const out = join(directory, "twice");
  assert.equal((await outrigger(["ca", "init", "--out", out])).code, 0);
  const before = await readFile(join(out, "ca-key.pem"), "utf8");
  const again = await outrigger(["ca", "init", "--out", out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a CA/);
  assert.equal(await readFile(join(out, "ca-key.pem"), "utf8"), before);
  const forced = await outrigger(["ca", "init", "--out", out, "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(await readFile(join(out, "ca-key.pem"), "utf8"), before);
  assert.equal((await stat(join(out, "ca-key.pem"))).mode & 0o777, 0o600);
  assert.equal((await outrigger(["ca", "init"])).code, 2);
  const badHost = await outrigger(["ca", "init", "--out", join(directory, "bad"), "--hosts", "10.0.0.1"]);
  assert.equal(badHost.code, 1);
  assert.match(badHost.stderr, /not a DNS host name/);
});

test("ca init --config takes the hosts the config's providers claim (hosts, else the baseUrl's host)", async () => {
  const configFile = join(directory, "outrigger.yaml");
  await writeFile(
    configFile,
    [
      "providers:",
      "  deepseek: {}",
      "  local:",
      "    protocol: openai",
      "    baseUrl: https://llm.corp.example/v1",
      "  claude:",
      "    protocol: anthropic",
      "    baseUrl: https://gateway.corp.example",
      "    hosts: [api.anthropic.com, claude.corp.example]",
      "  ollama:",
      "    protocol: ollama",
      "    baseUrl: http://127.0.0.1:11434",
      "",
    ].join("\n"),
  );
  const out = join(directory, "from-config");
  const viaFlag = await outrigger(["ca", "init", "--out", out, "--config", configFile]);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  const hosts = readNameConstraints(
    new X509Certificate(await readFile(join(out, "ca.pem"), "utf8")),
  )?.permittedHosts;
  assert.deepEqual(hosts, [
    "api.anthropic.com",
    "api.deepseek.com",
    "claude.corp.example",
    "llm.corp.example",
  ]);
  const viaEnv = await outrigger(["ca", "init", "--out", join(directory, "from-env")], {
    OUTRIGGER_CONFIG: configFile,
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /claude\.corp\.example/);
  assert.match(viaFlag.stdout, /Not constrainable \(IP addresses\) 127\.0\.0\.1/);
});

test("intercept.ca.generate creates a CA once, reuses it, and refuses one that does not cover a claimed host", async () => {
  const generate = join(directory, "generated");
  const hosts = ["api.openai.com", "api.deepseek.com"];
  const first = await loadOrCreateCertificateAuthority(
    { ca: { generate }, passthrough: "allow", leafValidity: 1000 },
    hosts,
  );
  assert.equal((await stat(join(generate, "ca-key.pem"))).mode & 0o777, 0o600);
  assert.ok((await readFile(join(generate, "ca-bundle.pem"), "utf8")).includes(first.certificatePem.trim()));
  // An IP host some provider claims (an Ollama baseUrl) is not constrainable and does not block the start.
  const second = await loadOrCreateCertificateAuthority(
    { ca: { generate }, passthrough: "allow", leafValidity: 1000 },
    [...hosts, "127.0.0.1"],
  );
  assert.equal(second.fingerprint, first.fingerprint);
  await assert.rejects(
    loadOrCreateCertificateAuthority({ ca: { generate }, passthrough: "allow", leafValidity: 1000 }, [
      ...hosts,
      "api.anthropic.com",
    ]),
    /not permitted to issue for api\.anthropic\.com/,
  );
  const loaded = await loadOrCreateCertificateAuthority(
    {
      ca: { cert: join(generate, "ca.pem"), key: join(generate, "ca-key.pem") },
      passthrough: "deny",
      leafValidity: 1000,
    },
    ["api.openai.com"],
  );
  assert.equal(loaded.fingerprint, first.fingerprint);
  await assert.rejects(
    loadOrCreateCertificateAuthority({ passthrough: "allow", leafValidity: 1000 }, hosts),
    /need intercept\.ca/,
  );
  await assert.rejects(
    loadOrCreateCertificateAuthority(
      {
        ca: { cert: join(generate, "ca.pem"), key: join(generate, "ca.pem") },
        passthrough: "allow",
        leafValidity: 1000,
      },
      hosts,
    ),
    /intercept\.ca .*could not be parsed/,
  );
});

test("intercept.ca.publish gets ca.pem and ca-bundle.pem for the app, never the key", async () => {
  const generate = join(directory, "private");
  const publish = join(directory, "public");
  const authority = await loadOrCreateCertificateAuthority(
    { ca: { generate, publish }, passthrough: "allow", leafValidity: 1000 },
    ["api.anthropic.com"],
  );
  assert.equal((await readFile(join(publish, "ca.pem"), "utf8")).trim(), authority.certificatePem.trim());
  assert.ok(
    (await readFile(join(publish, "ca-bundle.pem"), "utf8")).includes(authority.certificatePem.trim()),
  );
  assert.deepEqual((await readdir(publish)).sort(), ["ca-bundle.pem", "ca.pem"]);
  assert.equal((await stat(join(generate, "ca-key.pem"))).mode & 0o777, 0o600, "the key stays private");
});
