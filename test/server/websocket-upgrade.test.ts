// WebSocket upgrades (OpenAI Realtime style) through all three doors: key injected, frames intact.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type ClientOptions, WebSocket, WebSocketServer } from "ws";
import { parseConfig } from "../../src/config/load-config.ts";
import { createCredentialSource } from "../../src/credentials/create-credential-source.ts";
import { adapterFor } from "../../src/providers/providers.ts";
import { createRouteTable } from "../../src/routing/route-table.ts";
import { createWebSocketUpgradeHandler } from "../../src/server/websocket-upgrade.ts";
import { createUndiciUpstreamClient } from "../../src/upstream/undici-upstream-client.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

const realtimeKey = "sk-realtime-test-injected-0009";
const placeholder = "app-placeholder-key-never-forwarded";
let harness: InterceptHarness;
let echo: Server;
let echoSockets: WebSocketServer;
let keyDirectory = "";
const upgrades: { url: string; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  // The provider's realtime endpoint: an echo that records each upgrade it accepts.
  echo = createServer((_request, response) => response.writeHead(404).end());
  echoSockets = new WebSocketServer({ server: echo });
  echoSockets.on("connection", (socket, request) => {
    upgrades.push({ url: request.url ?? "", headers: request.headers });
    socket.on("message", (data, isBinary) =>
      socket.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }),
    );
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  keyDirectory = mkdtempSync(join(tmpdir(), "outrigger-ws-key-"));
  writeFileSync(join(keyDirectory, "openai"), `${realtimeKey}\n`);
  harness = await startInterceptHarness({
    providers: {
      openai: {
        protocol: "openai",
        baseUrl: echoUrl,
        hosts: ["api.openai.com"],
        credentials: [{ file: join(keyDirectory, "openai") }],
      },
    },
  });
});
after(async () => {
  await harness?.close();
  for (const client of echoSockets.clients) client.terminate();
  echoSockets.close();
  echo.closeAllConnections();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  rmSync(keyDirectory, { recursive: true, force: true });
});

/** Opens a socket, sends a text and a binary frame, and returns the two echoes. */
async function roundTrip(socket: WebSocket): Promise<{ text: string; binary: Buffer }> {
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
    socket.once("unexpected-response", (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
  });
  const replies: { data: Buffer; isBinary: boolean }[] = [];
  const done = new Promise<void>((resolve) => {
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      replies.push({ data, isBinary });
      if (replies.length === 2) resolve();
    });
  });
  socket.send(JSON.stringify({ type: "session.update" }));
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  socket.send(bytes, { binary: true });
  await done;
  socket.close();
  const text = replies.find((reply) => !reply.isBinary)?.data.toString() ?? "";
  const binary = replies.find((reply) => reply.isBinary)?.data ?? Buffer.alloc(0);
  return { text, binary };
}

function assertInjected(upgrade: { url: string; headers: IncomingHttpHeaders } | undefined): void {
  assert.ok(upgrade, "the provider saw an upgrade");
  assert.equal(upgrade.url, "/v1/realtime?model=gpt-realtime");
  assert.equal(upgrade.headers.authorization, `Bearer ${realtimeKey}`);
  assert.equal(upgrade.headers["openai-beta"], "realtime=v1", "end-to-end headers kept");
  assert.ok(!JSON.stringify(upgrade.headers).includes(placeholder), "the app's key is replaced");
}

test("through the base-URL door: ws://sidecar/openai/v1/realtime reaches the provider with the real key", async () => {
  const before = upgrades.length;
  const url = `${harness.sidecar.proxyUrl.replace(/^http/, "ws")}/openai/v1/realtime?model=gpt-realtime`;
  const socket = new WebSocket(url, {
    headers: {
      authorization: `Bearer ${placeholder}`,
      "openai-beta": "realtime=v1",
      // The app's trace context stays in the pod, as for HTTP requests.
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      baggage: "user=alice",
      "x-b3-traceid": "0af7651916cd43dd",
    },
  });
  const { text, binary } = await roundTrip(socket);
  assert.equal(text, 'echo:{"type":"session.update"}');
  assert.deepEqual([...binary], [0, 1, 2, 250, 251, 252, 253, 254, 255]);
  assertInjected(upgrades[before]);
  for (const name of ["traceparent", "baggage", "x-b3-traceid"])
    assert.equal(upgrades[before]?.headers[name], undefined, `${name} not sent to the provider`);
});

test("through the forward-proxy door: wss://api.openai.com/v1/realtime via HTTPS_PROXY and the pod CA", async () => {
  const before = upgrades.length;
  // Node's own proxy support (the agent's proxyEnv), as NODE_USE_ENV_PROXY gives an unchanged app.
  const agent = new HttpsAgent({
    proxyEnv: { HTTPS_PROXY: harness.interceptUrl },
    ca: readFileSync(harness.caFile, "utf8"),
  });
  const socket = new WebSocket("wss://api.openai.com/v1/realtime?model=gpt-realtime", {
    agent,
    headers: { authorization: `Bearer ${placeholder}`, "openai-beta": "realtime=v1" },
  });
  const { text, binary } = await roundTrip(socket);
  agent.destroy();
  assert.equal(text, 'echo:{"type":"session.update"}');
  assert.deepEqual([...binary], [0, 1, 2, 250, 251, 252, 253, 254, 255]);
  assertInjected(upgrades[before]);
});

test("through the host-alias door: wss://api.openai.com (aliased to the sidecar) by SNI", async () => {
  const before = upgrades.length;
  // ws hands TLS options to tls.connect; its types just do not list `servername`.
  const options: ClientOptions & { servername: string } = {
    servername: "api.openai.com",
    ca: readFileSync(harness.caFile, "utf8"),
    headers: { host: "api.openai.com", authorization: `Bearer ${placeholder}`, "openai-beta": "realtime=v1" },
  };
  const socket = new WebSocket(`wss://127.0.0.1:${harness.tlsPort}/v1/realtime?model=gpt-realtime`, options);
  const { text, binary } = await roundTrip(socket);
  assert.equal(text, 'echo:{"type":"session.update"}');
  assert.deepEqual([...binary], [0, 1, 2, 250, 251, 252, 253, 254, 255]);
  assertInjected(upgrades[before]);
});

test("an upgrade for an unknown prefix is refused in-band, not hung", async () => {
  const socket = new WebSocket(`${harness.sidecar.proxyUrl.replace(/^http/, "ws")}/nobody/v1/realtime`);
  const status = await new Promise<number>((resolve, reject) => {
    socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
    socket.once("open", () => reject(new Error("should not open")));
    socket.once("error", reject);
  });
  socket.terminate();
  assert.equal(status, 404);
});

test("the handler opens the upstream with the provider's own lookup when one is given (host-alias door)", async () => {
  const config = parseConfig({
    providers: {
      realtime: {
        protocol: "openai",
        baseUrl: `http://realtime.example.test:${(echo.address() as AddressInfo).port}`,
        credentials: [{ env: "REALTIME_TEST_KEY" }],
      },
    },
  });
  const providerConfig = config.providers.realtime;
  assert.ok(providerConfig);
  const provider = {
    id: "realtime",
    config: providerConfig,
    adapter: adapterFor("openai"),
    credentials: [
      createCredentialSource({ env: "REALTIME_TEST_KEY" }, { env: { REALTIME_TEST_KEY: realtimeKey } }),
    ],
    upstream: createUndiciUpstreamClient({
      baseUrl: providerConfig.baseUrl,
      tls: providerConfig.tls,
      pool: providerConfig.pool,
      connectTimeout: 1_000,
    }),
  };
  const looked: string[] = [];
  // realtime.example.test exists nowhere: only this lookup can find it.
  const lookup: LookupFunction = (hostname, options, callback) => {
    looked.push(hostname);
    if (options.all === true) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
  };
  const handler = createWebSocketUpgradeHandler({
    table: createRouteTable([provider]),
    lookupFor: (candidate) => (candidate.id === "realtime" ? lookup : undefined),
  });
  const front = createServer();
  front.on("upgrade", (request, socket, head) => handler(request, socket, head, { door: "proxy" }));
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const before = upgrades.length;
  try {
    const port = (front.address() as AddressInfo).port;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/realtime/v1/realtime?model=gpt-realtime`, {
      headers: { authorization: `Bearer ${placeholder}`, "openai-beta": "realtime=v1" },
    });
    const { text } = await roundTrip(socket);
    assert.equal(text, 'echo:{"type":"session.update"}');
    assert.deepEqual(looked, ["realtime.example.test"]);
    assertInjected(upgrades[before]);
  } finally {
    front.closeAllConnections();
    await new Promise<void>((resolve) => front.close(() => resolve()));
    await provider.upstream.close();
  }
});
