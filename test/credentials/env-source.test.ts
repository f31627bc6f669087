// The env credential source: trimmed value, a clear error naming the variable, and process.env changes seen within a second.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createEnvSource } from "../../src/credentials/env-source.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";

const name = "OUTRIGGER_TEST_ENV_SOURCE_KEY";

test("process.env: the trimmed value; a change or removal is seen once a second has passed", async (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  process.env[name] = "  sk-first\n";
  t.after(() => delete process.env[name]);
  const source = createEnvSource(name);
  const first = await source.current();
  assert.equal(first.kind === "token" && first.token, "sk-first");
  process.env[name] = "sk-second";
  t.mock.timers.tick(1000);
  const second = await source.current();
  assert.equal(second.kind === "token" && second.token, "sk-second");
  assert.notEqual(second.keyId, first.keyId);
  delete process.env[name];
  t.mock.timers.tick(1000);
  await assert.rejects(source.current(), (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, "credential_missing");
    assert.match(error.message, new RegExp(name));
    return true;
  });
  assert.deepEqual(source.status(), { available: false, detail: `environment variable ${name} is not set` });
});

test("another environment object is read on every use", async () => {
  const env: NodeJS.ProcessEnv = { KEY: "a" };
  const source = createEnvSource("KEY", env);
  const before = await source.current();
  assert.equal(await source.current(), before, "the same credential object while the value is unchanged");
  env.KEY = "b";
  assert.notEqual((await source.current()).keyId, before.keyId, "read again on the next use");
});
