// A Redis that stalls (a slow command) without dropping the connection: pacing goes local, then sharing resumes.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, test } from "node:test";
import { Redis } from "ioredis";
import { createLocalLimiter } from "../../src/limits/local-limiter.ts";
import { createRedisLimiter } from "../../src/limits/redis-limiter.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { freeLocalPort } from "../support/child-sidecar.ts";

async function until(what: string, check: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let server: ChildProcess | undefined;
after(() => {
  server?.kill("SIGKILL");
});

test("a stall past the command timeout falls back to local pacing; once Redis answers again, sharing resumes", async () => {
  // A Redis of the test's own: stalling the shared one would slow every other test using it.
  const port = await freeLocalPort();
  server = spawn(
    "/usr/bin/redis-server",
    ["--port", String(port), "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"],
    {
      stdio: "ignore",
    },
  );
  const admin = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
  admin.on("error", () => {});
  await until("redis-server to answer", () =>
    admin.connect().then(
      () => true,
      () => false,
    ),
  );
  let up = false;
  let fallbacks = 0;
  const limiter = createRedisLimiter({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: "stall:",
    local: createLocalLimiter(),
    logger: createLogger({ level: "silent" }),
    onAvailability: (value) => {
      up = value;
    },
    onFallback: () => {
      fallbacks += 1;
    },
  });
  try {
    await until("the limiter on Redis", () => up);
    const limits = { requestsPerMinute: 1_000 };
    assert.equal(await limiter.acquire("scope", limits, 0), 0);
    assert.equal(fallbacks, 0);

    // The connection stays open while Redis is busy for longer than the 500 ms command timeout.
    const stall = admin.call("DEBUG", "SLEEP", "1.2");
    assert.equal(await limiter.acquire("scope", limits, 0), 0, "served from the local bucket meanwhile");
    assert.equal(fallbacks, 1);
    assert.equal(up, false);
    await stall;

    await until("sharing to resume", () => up);
    const before = fallbacks;
    assert.equal(await limiter.acquire("scope", limits, 0), 0);
    assert.equal(fallbacks, before, "decided on Redis again, not locally");
    assert.ok((await admin.keys("stall:*")).length > 0, "the bucket lives in Redis again");
  } finally {
    await limiter.close();
    admin.disconnect();
  }
});
