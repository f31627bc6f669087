// Inbound auth also guards WebSocket upgrades: no pod token, no upstream socket with the real key.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { parseConfig } from "../../src/config/load-config.ts";
import { type Sidecar, startSidecar } from "../../src/sidecar.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

const podToken = "pod-token-for-websockets";
const upstreamKey = "sk-realtime-upstream-key";
const directory = mkdtempSync(join(tmpdir(), "outrigger-ws-auth-"));
const upgrades: IncomingHttpHeaders[] = [];
let echo: Server;
let echoSockets: WebSocketServer;
let sidecar: Sidecar;

before(async () => {
  echo = createServer((_request, response) => response.writeHead(404).end());
  echoSockets = new WebSocketServer({ server: echo });
  echoSockets.on("connection", (socket, request) => {
    upgrades.push(request.headers);
    socket.on("message", (data) => socket.send(`echo:${data.toString()}`));
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  writeFileSync(join(directory, "pod-token"), podToken);
  writeFileSync(join(directory, "openai"), upstreamKey);
  const config = parseConfig({
    listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
    providers: {
      openai: {
        protocol: "openai",
        baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
        credentials: [{ file: join(directory, "openai") }],
      },
    },
    auth: { token: { file: join(directory, "pod-token") } },
  });
  sidecar = await startSidecar(
    { config, file: "ws.yaml" },
    { warm: false, logger: createLogger({ level: "silent" }) },
  );
});
after(async () => {
  await sidecar?.stop(1000);
  for (const client of echoSockets.clients) client.terminate();
  echoSockets.close();
  echo.closeAllConnections();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
});

const realtimeUrl = () => `${sidecar.proxyUrl.replace(/^http/, "ws")}/openai/v1/realtime?model=gpt-realtime`;

/** Resolves with the echo of one message, or rejects with the HTTP status that refused the upgrade. */
function exchangeOne(headers: Record<string, string>): Promise<string> {
  const socket = new WebSocket(realtimeUrl(), { headers });
  return new Promise<string>((resolve, reject) => {
    socket.once("open", () => socket.send("hello"));
    socket.once("message", (data) => {
      resolve(data.toString());
      socket.close();
    });
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`HTTP ${response.statusCode}`));
      response.resume();
    });
    socket.once("error", reject);
  });
}

test("an upgrade without the pod token is refused with 401 and never reaches the upstream", async () => {
  await assert.rejects(exchangeOne({ authorization: "Bearer app-placeholder" }), /HTTP 401/);
  await assert.rejects(exchangeOne({}), /HTTP 401/);
  assert.equal(upgrades.length, 0);
});

test("an upgrade with the pod token is relayed with the real key, the pod token kept in the pod", async () => {
  assert.equal(await exchangeOne({ authorization: `Bearer ${podToken}` }), "echo:hello");
  const seen = upgrades.at(-1);
  assert.equal(seen?.authorization, `Bearer ${upstreamKey}`);
  assert.ok(!JSON.stringify(seen).includes(podToken));
});
