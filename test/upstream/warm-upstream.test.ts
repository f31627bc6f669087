// Pool warm-up against a real keep-alive server: the warmed sockets stay open and later requests reuse them.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, afterEach, before, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { parseConfig } from "../../src/config/load-config.ts";
import { startSidecar } from "../../src/sidecar.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { createUndiciUpstreamClient, warmUpstream } from "../../src/upstream/undici-upstream-client.ts";
import type { UpstreamClient } from "../../src/upstream/upstream-client.ts";

/** Long enough for any socket the client closes after its answer to be seen closed by the server. */
const settle = 300;

let server: Server;
let baseUrl: string;
const open = new Set<Socket>();
let opened = 0;
/** Each request as the server saw it. */
const requests: { method: string; url: string; connection: string | undefined; authorization: boolean }[] =
  [];

before(async () => {
  server = createServer(
    { keepAliveTimeout: 60_000 },
    (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        connection: request.headers.connection,
        authorization: request.headers.authorization !== undefined,
      });
      if (request.url === "/big/") {
        // Far past what a warm-up reads: it must give up, not read it all.
        response.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let left = 256;
        const pump = (): void => {
          while (left > 0) {
            left -= 1;
            if (!response.write(chunk)) {
              response.once("drain", pump);
              return;
            }
          }
          response.end();
        };
        pump();
        return;
      }
      // Any status will do: a provider's root is usually a 404.
      response.writeHead(404, { "content-type": "application/json" });
      response.end('{"error":"not here"}');
    },
  );
  server.on("connection", (socket: Socket) => {
    opened += 1;
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  server.closeAllConnections();
  requests.length = 0;
  opened = 0;
});

function client(url: string, connections: number, warm: number): UpstreamClient {
  return createUndiciUpstreamClient({
    baseUrl: url,
    tls: { minVersion: "TLSv1.2" },
    pool: { connections, warm },
    connectTimeout: 2_000,
  });
}

async function until(condition: () => boolean, bound = 5_000): Promise<void> {
  const deadline = Date.now() + bound;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await delay(10);
  }
}

test("warm-up leaves N keep-alive connections open, and the next request reuses one", async () => {
  const upstream = client(baseUrl, 8, 3);
  try {
    assert.equal(await warmUpstream(upstream, 3), 3, "every warm-up request was answered");
    await delay(settle);
    assert.equal(requests.length, 3);
    for (const seen of requests) {
      assert.notEqual(seen.connection, "close", "a warm-up request must not ask to close its socket");
      assert.equal(seen.authorization, false, "a warm-up carries no credential");
    }
    assert.equal(opened, 3);
    assert.equal(open.size, 3, "the server still holds every warmed socket");
    assert.equal(upstream.stats?.().connected, 3);

    const response = await upstream.request({
      method: "GET",
      path: "/after-warm-up",
      headers: {},
      body: undefined,
      signal: AbortSignal.timeout(5_000),
    });
    for await (const _chunk of response.body) {
      // read to the end
    }
    assert.equal(opened, 3, "the request rode a warmed connection instead of opening another");
  } finally {
    await upstream.close();
  }
});

test("a whole sidecar warms pool.warm connections at start and keeps them", async () => {
  const sidecar = await startSidecar(
    {
      config: parseConfig({
        listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
        providers: {
          local: {
            protocol: "openai",
            baseUrl,
            hosts: [],
            credentials: [],
            pool: { connections: 8, warm: 4 },
          },
        },
      }),
      file: "warm-upstream.yaml",
    },
    { logger: createLogger({ level: "silent" }) },
  );
  try {
    await until(() => requests.length >= 4);
    await delay(settle);
    assert.equal(requests.length, 4);
    assert.ok(
      requests.every((seen) => seen.connection !== "close"),
      "no warm-up request asked to close",
    );
    assert.equal(open.size, 4, "the server still holds every warmed socket");
    assert.equal(sidecar.providers[0]?.upstream.stats?.().connected, 4);
  } finally {
    await sidecar.stop(1_000);
  }
});

test("a large warm-up answer is cut off, not read to its end", async () => {
  const upstream = client(`${baseUrl}/big`, 2, 1);
  try {
    assert.equal(await warmUpstream(upstream, 1), 0, "a connection given up is not counted as warm");
    assert.equal(requests[0]?.url, "/big/");
  } finally {
    await upstream.close();
  }
});

test("an unreachable upstream makes warm-up count nothing, without throwing", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const upstream = client(`http://127.0.0.1:${port}`, 2, 2);
  try {
    assert.equal(await warmUpstream(upstream, 2), 0);
  } finally {
    await upstream.close();
  }
});
