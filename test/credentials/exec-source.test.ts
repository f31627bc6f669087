// exec source: a real child process (a tiny Node script, no shell) printing a token or JSON, failing, hanging.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createExecSource, parseExecOutput } from "../../src/credentials/exec-source.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { ManualClock } from "./manual-clock.ts";

let directory = "";
before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-exec-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Writes a script that counts its runs in a file beside it, then does what `body` says. */
async function script(
  name: string,
  body: string,
): Promise<{ command: string[]; runs: () => Promise<number> }> {
  const file = join(directory, `${name}.mjs`);
  const counter = join(directory, `${name}.count`);
  await writeFile(
    file,
    `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(counter)}, "x");\n${body}\n`,
  );
  return {
    command: [process.execPath, file, "--flag with spaces"],
    runs: async () => (await readFile(counter, "utf8").catch(() => "")).length,
  };
}

test("a plain token gets the ttl; arguments reach the program unsplit (no shell)", async () => {
  const printer = await script(
    "plain",
    `process.stdout.write(process.argv[2] === "--flag with spaces" ? "tok-plain\\n" : "wrong");`,
  );
  const clock = new ManualClock(Date.now());
  const source = createExecSource({ command: printer.command, ttl: 50 * 60_000, timeout: 10_000 }, { clock });
  try {
    const credential = await source.current();
    assert.ok(credential.kind === "token");
    assert.equal(credential.token, "tok-plain");
    assert.equal(credential.style, "bearer");
    assert.equal(credential.expiresAt, clock.now() + 50 * 60_000);
    assert.equal(source.description, `exec ${process.execPath.split("/").pop()}`);
    await source.current();
    assert.equal(await printer.runs(), 1, "a valid token is reused, not re-printed");
  } finally {
    source.close();
  }
});

test("JSON output with expires_at sets the expiry", async () => {
  const expires = new Date(Date.now() + 20 * 60_000);
  const printer = await script(
    "json",
    `console.log(JSON.stringify({ token: "tok-json", expires_at: ${JSON.stringify(expires.toISOString())} }));`,
  );
  const source = createExecSource({ command: printer.command, ttl: 50 * 60_000, timeout: 10_000 });
  try {
    const credential = await source.current();
    assert.ok(credential.kind === "token" && credential.token === "tok-json");
    assert.equal(credential.expiresAt, expires.getTime());
  } finally {
    source.close();
  }
});

test("a failing command's stderr is in the error, truncated, with nothing it printed as a token", async () => {
  const failing = await script(
    "fail",
    `process.stdout.write("half-token-abc"); process.stderr.write("x".repeat(2000) + " login expired for half-token-abc END"); process.exit(3);`,
  );
  const source = createExecSource({ command: failing.command, ttl: 60_000, timeout: 10_000 });
  try {
    await assert.rejects(source.current(), (error: unknown) => {
      assert.ok(error instanceof ProxyError);
      assert.equal(error.code, "credential_refresh_failed");
      assert.match(error.message, /exited with code 3/);
      assert.match(error.message, /login expired for \[redacted\] END\)\.$/);
      assert.doesNotMatch(error.message, /half-token-abc/);
      assert.ok(error.message.length < 700, `message length ${error.message.length}`);
      return true;
    });
    assert.equal(source.status().available, false);
  } finally {
    source.close();
  }
});

test("a hanging command is killed at the timeout; a missing program is named", async () => {
  const hanging = await script("hang", "setTimeout(() => {}, 60_000);");
  const slow = createExecSource({ command: hanging.command, ttl: 60_000, timeout: 300 });
  const started = Date.now();
  await assert.rejects(slow.current(), /timed out after 300 ms/);
  assert.ok(Date.now() - started < 5000);
  slow.close();

  const missing = createExecSource({
    command: [join(directory, "no-such-program")],
    ttl: 60_000,
    timeout: 1000,
  });
  await assert.rejects(missing.current(), /exec no-such-program could not start \(ENOENT\)/);
  missing.close();
});

test("output parsing: epoch seconds, bad JSON, several words", () => {
  const now = Date.UTC(2026, 0, 1);
  assert.deepEqual(parseExecOutput('{"token":"t","expires_at":1767229200}', now, 1000, "exec x"), {
    token: "t",
    expiresAt: 1_767_229_200_000,
  });
  assert.throws(() => parseExecOutput("{not json", now, 1000, "exec x"), /does not parse/);
  assert.throws(() => parseExecOutput("two words", now, 1000, "exec x"), /more than one token/);
  assert.throws(
    () => parseExecOutput('{"token":"t","expires_at":"soon"}', now, 1000, "exec x"),
    /expires_at/,
  );
});
