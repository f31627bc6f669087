// (j) Fleet pacing on Redis: two sidecar processes on the real Redis share one 30/min budget; with a Redis this
// test starts and then stops, they keep serving on local limits (warning + metric) and resume sharing when it returns.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { freeLocalPort } from "../support/child-sidecar.ts";

const repo = join(import.meta.dirname, "../..");
const node = join(repo, "node_modules/.bin/node");
const runId = randomUUID().slice(0, 8);
const message = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 16,
  messages: [{ role: "user", content: "Hi" }],
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeout = 15_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface SidecarProcess {
  readonly child: ChildProcess;
  readonly proxy: string;
  readonly admin: string;
  output: string;
}

async function startSidecarProcess(
  simulatorUrl: string,
  redisUrl: string,
  keyPrefix: string,
): Promise<SidecarProcess> {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-redis-"));
  writeFileSync(join(directory, "key"), "sk-ant-fleet-key-0007\n");
  const [proxyPort, adminPort] = [await freeLocalPort(), await freeLocalPort()];
  const config = {
    listen: { proxy: `127.0.0.1:${proxyPort}`, admin: `127.0.0.1:${adminPort}` },
    providers: {
      anthropic: {
        protocol: "anthropic",
        baseUrl: simulatorUrl,
        credentials: [{ file: join(directory, "key") }],
        pool: { connections: 8, warm: 0 },
        resilience: {
          retry: { maxAttempts: 1 },
          pacing: { requestsPerMinute: 30 },
          bulkhead: { queueTimeout: "300ms" },
        },
      },
    },
    redis: { url: redisUrl, keyPrefix },
    shutdown: { grace: "1s" },
  };
  const file = join(directory, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(node, ["src/main.ts", "serve", "--config", file], {
    cwd: repo,
    env: { ...process.env, OUTRIGGER_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const sidecar: SidecarProcess = {
    child,
    proxy: `http://127.0.0.1:${proxyPort}`,
    admin: `http://127.0.0.1:${adminPort}`,
    output: "",
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    sidecar.output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    sidecar.output += chunk.toString();
  });
  await until("the sidecar to serve", async () =>
    (await fetch(`${sidecar.admin}/readyz`)).ok ? true : undefined,
  );
  return sidecar;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  // A sidecar that does not drain in time must not hold the test run.
  const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(force);
}

function send(sidecar: SidecarProcess): Promise<number> {
  return fetch(`${sidecar.proxy}/anthropic/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": "placeholder",
    },
    body: message,
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
}

async function metric(sidecar: SidecarProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${sidecar.admin}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator();
});
after(async () => {
  await simulator.close();
});

describe("(j) two sidecar processes share one budget on Redis", () => {
  const prefix = `outrigger-test-${runId}:`;
  const sidecars: SidecarProcess[] = [];
  const shared = new Redis("redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  after(async () => {
    await Promise.all(sidecars.map((sidecar) => stopProcess(sidecar.child)));
    await deleteKeys(shared, prefix);
    shared.disconnect();
  });

  test("a 30/min budget lets at most 30 requests reach the upstream in the first seconds", async () => {
    await shared.connect();
    sidecars.push(
      ...(await Promise.all(
        [1, 2].map(() => startSidecarProcess(simulator.url, "redis://127.0.0.1:6379", prefix)),
      )),
    );
    await until("both sidecars on Redis", async () =>
      (await Promise.all(sidecars.map((sidecar) => metric(sidecar, "outrigger_redis_up")))).every(
        (up) => up === 1,
      )
        ? true
        : undefined,
    );
    simulator.reset();
    const started = Date.now();
    const statuses = await Promise.all(
      sidecars.flatMap((sidecar) => Array.from({ length: 20 }, () => send(sidecar))),
    );
    const seconds = (Date.now() - started) / 1000;
    const upstream = simulator.requests.filter((request) => request.method === "POST").length;
    // The bucket refills half a request per second; the burst itself takes well under 2 s.
    assert.ok(upstream <= 30 + Math.floor(seconds / 2), `${upstream} upstream requests in ${seconds} s`);
    assert.ok(upstream >= 30, `the shared budget was spent (${upstream})`);
    assert.equal(statuses.filter((status) => status === 200).length, upstream);
    assert.ok(
      statuses.every((status) => status === 200 || status === 429),
      `statuses ${statuses}`,
    );
    assert.ok((await shared.keys(`${prefix}*`)).length > 0, "the buckets live in Redis under the prefix");
  });
});

describe("(j) Redis goes away and comes back", () => {
  const prefix = `outrigger-test-${runId}-own:`;
  const sidecars: SidecarProcess[] = [];
  let port = 0;
  let redisServer: ChildProcess | undefined;
  const startRedis = async (): Promise<void> => {
    redisServer = spawn(
      "/usr/bin/redis-server",
      ["--port", String(port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
      {
        stdio: "ignore",
      },
    );
    const probe = new Redis(port, "127.0.0.1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Refused connections while it starts are expected; without a listener ioredis reports them as unhandled.
    probe.on("error", () => {});
    await until("redis-server to answer", async () =>
      (await probe.connect().then(() => probe.ping())) === "PONG" ? true : undefined,
    );
    probe.disconnect();
  };
  after(async () => {
    await Promise.all(sidecars.map((sidecar) => stopProcess(sidecar.child)));
    if (redisServer !== undefined) await stopProcess(redisServer);
  });

  test("requests keep flowing on local limits with a warning and a metric; sharing resumes", async () => {
    port = await freeLocalPort();
    await startRedis();
    sidecars.push(
      ...(await Promise.all(
        [1, 2].map(() => startSidecarProcess(simulator.url, `redis://127.0.0.1:${port}`, prefix)),
      )),
    );
    const allUp = async (value: number) =>
      (await Promise.all(sidecars.map((sidecar) => metric(sidecar, "outrigger_redis_up")))).every(
        (up) => up === value,
      )
        ? true
        : undefined;
    await until("both sidecars on the test's Redis", () => allUp(1));
    assert.deepEqual(await Promise.all(sidecars.map(send)), [200, 200]);

    await stopProcess(redisServer!);
    await until("both sidecars to notice Redis is gone", () => allUp(0));
    const statuses = await Promise.all(
      sidecars.flatMap((sidecar) => Array.from({ length: 5 }, () => send(sidecar))),
    );
    assert.ok(
      statuses.every((status) => status === 200),
      `served on local limits: ${statuses}`,
    );
    for (const sidecar of sidecars) {
      assert.ok(((await metric(sidecar, "outrigger_redis_fallback_total")) ?? 0) >= 5);
      // The log may be written in batches: wait for the line rather than expect it at once.
      await until("the warning in the sidecar's log", async () =>
        /redis unreachable: pacing falls back to local limits/.test(sidecar.output) ? true : undefined,
      );
    }

    await startRedis();
    await until("sharing to resume", () => allUp(1));
    assert.deepEqual(await Promise.all(sidecars.map(send)), [200, 200]);
    const redis = new Redis(port, "127.0.0.1");
    try {
      assert.ok((await redis.keys(`${prefix}*`)).length > 0, "the returned Redis holds the buckets again");
    } finally {
      redis.disconnect();
    }
  });
});
