// Python httpx and requests (Debian's python3-httpx / python3-requests) through the forward-proxy door.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import { upstreamKeys } from "../support/sidecar-harness.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

// Debian's own interpreter: another python3 on PATH (pyenv, venv) would not see the Debian packages.
const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("./intercept-python-client.py", import.meta.url));
const probe = spawnSync(python, ["-c", "import httpx, requests"], { encoding: "utf8" });
const skip =
  probe.status === 0
    ? false
    : `${python} lacks httpx/requests (apt-get install python3-httpx python3-requests): ${probe.error?.message ?? probe.stderr.trim()}`;

let harness: InterceptHarness | undefined;

before(async () => {
  if (skip === false) harness = await startInterceptHarness({ tls: false });
});
after(async () => {
  await harness?.close();
});

test("httpx and requests with HTTPS_PROXY and the CA bundle: key injected, bytes intact", {
  skip,
}, async () => {
  assert.ok(harness);
  const active = harness;
  const upstreamBefore = active.simulator.requests.length;
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HTTPS_PROXY: active.interceptUrl,
    SSL_CERT_FILE: active.bundleFile,
    REQUESTS_CA_BUNDLE: active.bundleFile,
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(python, [script], { env, timeout: 60_000 }, (error, out, stderr) => {
      if (error === null) resolve(out);
      else reject(new Error(`python client failed: ${stderr}`));
    });
  });
  const results = JSON.parse(stdout) as Record<string, { status: number; base64?: string; body?: unknown }>;
  const store = new FixtureStore();

  assert.equal(results.httpxCreate?.status, 200);
  const body = results.httpxCreate?.body as { choices?: { message?: { content?: string } }[] };
  assert.ok((body.choices?.[0]?.message?.content ?? "").length > 0);

  const deepseek = store.lookup("deepseek/deepseek-text", true);
  assert.ok(deepseek.found);
  assert.equal(results.httpxStream?.status, 200);
  assert.ok(
    Buffer.from(results.httpxStream?.base64 ?? "", "base64").equals(Buffer.concat(deepseek.fixture.chunks)),
  );

  const anthropic = store.lookup("anthropic/sdk-basic_response", true);
  assert.ok(anthropic.found);
  assert.equal(results.requestsStream?.status, 200);
  assert.ok(
    Buffer.from(results.requestsStream?.base64 ?? "", "base64").equals(
      Buffer.concat(anthropic.fixture.chunks),
    ),
  );

  const seen = active.simulator.requests.slice(upstreamBefore);
  assert.equal(seen.length, 3);
  assert.equal(seen[0]?.headers.authorization, `Bearer ${upstreamKeys.openai}`);
  assert.equal(seen[1]?.headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
  assert.equal(seen[2]?.headers["x-api-key"], upstreamKeys.anthropic);
  assert.ok(
    !JSON.stringify(seen.map((request) => request.headers)).includes("app-placeholder-key-never-forwarded"),
  );
});
