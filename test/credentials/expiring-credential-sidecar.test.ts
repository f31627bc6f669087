// Through a running sidecar: a short-lived exec token whose source then fails is used until it expires, then
// requests get a clear Anthropic-dialect 401 and /readyz turns false.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";
import { waitUntil } from "./wait-until.ts";

const lifetime = 4000;
const directory = mkdtempSync(join(tmpdir(), "outrigger-expiring-"));
const script = join(directory, "print-token.mjs");
// First run: a token valid for `lifetime` ms. Every later run: the identity provider is down.
writeFileSync(
  script,
  `import { existsSync, writeFileSync } from "node:fs";
const marker = ${JSON.stringify(join(directory, "ran"))};
if (existsSync(marker)) { process.stderr.write("identity provider unreachable"); process.exit(2); }
writeFileSync(marker, "1");
console.log(JSON.stringify({ token: "short-lived-token-1", expires_at: Date.now() + ${lifetime} }));
`,
);
let harness: Harness;
let expiresAt = 0;

before(async () => {
  harness = await startHarness({
    config: (url) => {
      const config = harnessConfig(url) as { providers: Record<string, Record<string, unknown>> };
      const anthropic = config.providers.anthropic ?? {};
      config.providers.anthropic = {
        ...anthropic,
        credentials: [{ exec: { command: [process.execPath, script], ttl: "1m", timeout: "5s" } }],
      };
      return config;
    },
  });
});
after(async () => {
  await harness.close();
  rmSync(directory, { recursive: true, force: true });
});

const anthropic = () =>
  new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder", maxRetries: 0 });
const ask = () =>
  anthropic().messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 8,
    messages: [{ role: "user", content: "x" }],
  });
const readiness = async () => {
  const response = await fetch(`${harness.sidecar.adminUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test("the token is used while valid, even after its refresh failed", async () => {
  await ask();
  const started = Date.now();
  expiresAt = started + lifetime;
  const last = harness.simulator.requests.filter((request) => request.method === "POST").at(-1);
  assert.equal(last?.headers.authorization, "Bearer short-lived-token-1");
  assert.equal((await readiness()).status, 200);
  // The refresh window opens at half the lifetime (minus jitter); the command fails from then on.
  await new Promise((resolve) => setTimeout(resolve, lifetime * 0.6));
  const ready = await readiness();
  assert.ok(Date.now() < expiresAt - 500, "the machine was too slow to check before expiry");
  assert.equal(ready.status, 200);
  assert.match(
    JSON.stringify(ready.body),
    /refresh failing \(\d+x\): exec node exited with code 2: identity provider unreachable/,
  );
  await ask();
  assert.equal(
    harness.simulator.requests.filter((request) => request.method === "POST").at(-1)?.headers.authorization,
    "Bearer short-lived-token-1",
  );
});

test("after expiry: an Anthropic authentication error naming the source and its stderr; not ready", async () => {
  await waitUntil(() => Date.now() > expiresAt + 100, lifetime * 2);
  await assert.rejects(ask(), (error: unknown) => {
    assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
    assert.match(error.message, /exec node/);
    assert.match(error.message, /identity provider unreachable/);
    assert.doesNotMatch(error.message, /short-lived-token-1/);
    return true;
  });
  const ready = await readiness();
  assert.equal(ready.status, 503);
  assert.doesNotMatch(JSON.stringify(ready.body), /short-lived-token-1/);
});
