// The forward-proxy door with `intercept.passthrough: deny`: unclaimed hosts get 403, claimed ones still work; drain ends tunnels.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type AddressInfo, connect as netConnect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { upstreamKeys } from "../support/sidecar-harness.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

let harness: InterceptHarness;

before(async () => {
  harness = await startInterceptHarness({ passthrough: "deny", tls: false });
});
after(async () => {
  await harness?.close();
});

function curl(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "20", ...args],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : Number((error as { code?: unknown }).code ?? 1),
          stdout,
          stderr,
        });
      },
    );
  });
}

function connectStatus(target: string): Promise<{ status: number; socket: Socket }> {
  const url = new URL(harness.interceptUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: url.hostname,
      port: Number(url.port),
      method: "CONNECT",
      path: target,
    });
    request.on("connect", (response, socket) => resolve({ status: response.statusCode ?? 0, socket }));
    request.on("error", reject);
    request.end();
  });
}

test("CONNECT to a host no provider claims is refused with 403 and nothing is dialled", async () => {
  let dialled = false;
  const target = createServer(() => undefined);
  target.on("connection", () => {
    dialled = true;
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  const port = (target.address() as AddressInfo).port;
  try {
    const { status, socket } = await connectStatus(`127.0.0.1:${port}`);
    socket.destroy();
    assert.equal(status, 403);
    const viaCurl = await curl(["-o", "/dev/null", "-w", "%{http_code}", "https://www.example.com/"], {
      HTTPS_PROXY: harness.interceptUrl,
    });
    // curl reports the CONNECT refusal as exit 56 with the proxy's status.
    assert.notEqual(viaCurl.code, 0);
    assert.match(viaCurl.stderr, /403/);
    const plain = await curl(["-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/`], {
      HTTP_PROXY: harness.interceptUrl,
      http_proxy: harness.interceptUrl,
    });
    assert.equal(plain.stdout, "403");
    assert.equal(dialled, false, "a denied target is never connected to");
  } finally {
    await new Promise<void>((resolve) => target.close(() => resolve()));
  }
});

test("claimed hosts are still intercepted under deny", async () => {
  const result = await curl(
    [
      "--cacert",
      harness.caFile,
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "https://api.openai.com/v1/chat/completions",
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify({ model: "gpt-4o-mini", messages: [] }),
    ],
    { HTTPS_PROXY: harness.interceptUrl },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "200");
  assert.equal(harness.simulator.requests.at(-1)?.headers.authorization, `Bearer ${upstreamKeys.openai}`);
});

test("a tunnel that never sends a byte does not hold the door open on shutdown", async () => {
  const extra = await startInterceptHarness({ passthrough: "deny", tls: false });
  const url = new URL(extra.interceptUrl);
  const socket = netConnect({ host: url.hostname, port: Number(url.port) });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  socket.write("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n");
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  const started = Date.now();
  await extra.close();
  await closed;
  assert.ok(Date.now() - started < 10_000, "drain finished within its grace plus slack");
});

test("an idle keep-alive connection inside an intercepted tunnel is closed at once on drain", async () => {
  const extra = await startInterceptHarness({ passthrough: "deny", tls: false });
  const agent = new HttpsAgent({
    keepAlive: true,
    proxyEnv: { HTTPS_PROXY: extra.interceptUrl },
    ca: readFileSync(extra.caFile, "utf8"),
  });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpsRequest(
        "https://api.openai.com/v1/chat/completions",
        { method: "POST", agent, headers: { "content-type": "application/json" } },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify({ model: "gpt-4o-mini", messages: [] }));
    });
    assert.equal(status, 200);
    const started = Date.now();
    // The connection is idle but open; the drain must not wait out its 10 s grace for it.
    assert.equal(await extra.sidecar.stop(10_000), true);
    assert.ok(Date.now() - started < 3_000, `drain took ${Date.now() - started} ms`);
  } finally {
    agent.destroy();
    await extra.simulator.close();
    rmSync(extra.caDirectory, { recursive: true, force: true });
  }
});
