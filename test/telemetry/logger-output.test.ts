// The process logger: JSON lines when piped, human-readable on a terminal (run under `script` for a real pty), secrets redacted either way.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { node24, repositoryRoot } from "../support/child-sidecar.ts";

const secret = "sk-ant-secret-never-logged-4471";
const program = `
  const { createLogger } = await import("./src/telemetry/logger.ts");
  const logger = createLogger();
  logger.info({ provider: "anthropic", headers: { authorization: "Bearer ${secret}", "x-api-key": "${secret}" } }, "request");
  logger.flush();
`;

test("piped: one JSON line, the secret headers redacted", () => {
  const result = spawnSync(node24, ["--input-type=module", "-e", program], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const line = JSON.parse(result.stdout.trim()) as {
    msg: string;
    provider: string;
    headers: Record<string, string>;
  };
  assert.equal(line.msg, "request");
  assert.equal(line.provider, "anthropic");
  assert.deepEqual(line.headers, { authorization: "[redacted]", "x-api-key": "[redacted]" });
  assert.ok(!result.stdout.includes(secret));
});

test("on a terminal: pretty lines, still redacted", {
  skip: !existsSync("/usr/bin/script") && "util-linux script(1) is missing",
}, () => {
  const command = `${node24} --input-type=module -e '${program.replaceAll("'", "'\\''")}'`;
  const result = spawnSync("/usr/bin/script", ["-qec", command, "/dev/null"], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(result.status, 0, result.stderr);
  // Colour codes out: ESC [ … m.
  const plain = result.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
  assert.match(plain, /INFO.*: request/);
  assert.match(plain, /provider: "anthropic"/);
  assert.ok(!plain.trimStart().startsWith("{"), "not JSON");
  assert.ok(plain.includes("[redacted]"));
  assert.ok(!plain.includes(secret));
});

test("piped: lines still held in their batch are written when the process ends, or dies of an uncaught error", () => {
  for (const ending of ["", "throw new Error('boom');"]) {
    const result = spawnSync(
      node24,
      [
        "--input-type=module",
        "-e",
        `const { createLogger } = await import("./src/telemetry/logger.ts");
         const logger = createLogger();
         logger.info("one");
         logger.info("two");
         ${ending}`,
      ],
      { cwd: repositoryRoot, encoding: "utf8", timeout: 20_000 },
    );
    assert.equal(result.status, ending === "" ? 0 : 1, result.stderr);
    const messages = result.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.deepEqual(messages, ["one", "two"], ending || "natural end");
  }
});
