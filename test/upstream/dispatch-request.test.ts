// The upstream request on undici's dispatch API: cancellation before and after the head, errors, backpressure-safe body.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Pool } from "undici";
import { dispatchRequest } from "../../src/upstream/dispatch-request.ts";

let server: Server;
let pool: Pool;
const closedEarly: string[] = [];
const received: string[] = [];

before(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    received.push(request.url ?? "");
    response.once("close", () => {
      if (!response.writableFinished) closedEarly.push(request.url ?? "");
    });
    if (request.url === "/stall") return; // never answers: only a cancellation ends it
    if (request.url === "/drip") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => response.write("data: x\n\n"), 20);
      response.once("close", () => clearInterval(timer));
      return;
    }
    response.writeHead(201, { "content-type": "application/json", "x-test": "yes" });
    response.end(JSON.stringify({ echo: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 4 });
});
after(async () => {
  await pool.close();
  server.close();
});

const request = (path: string, signal: AbortSignal) =>
  dispatchRequest(pool, { method: "GET", path, headers: {}, body: undefined, signal });

test("status, headers and body arrive", async () => {
  const response = await request("/hello", new AbortController().signal);
  assert.equal(response.statusCode, 201);
  assert.equal(response.headers["x-test"], "yes");
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), { echo: "/hello" });
});

test("an abort before the head rejects with the reason and closes the upstream connection", async () => {
  const controller = new AbortController();
  const pending = request("/stall", controller.signal);
  await delay(50);
  const reason = new Error("client left");
  controller.abort(reason);
  await assert.rejects(pending, (error: unknown) => error === reason);
  for (let waited = 0; !closedEarly.includes("/stall") && waited < 1_000; waited += 10) await delay(10);
  assert.ok(closedEarly.includes("/stall"), "the upstream saw its connection closed");
});

test("an abort after the head ends the body with the reason and closes the upstream connection", async () => {
  const controller = new AbortController();
  const response = await request("/drip", controller.signal);
  const reason = new Error("deadline");
  setTimeout(() => controller.abort(reason), 60);
  await assert.rejects(
    (async () => {
      for await (const _chunk of response.body) {
        // reading until the abort
      }
    })(),
    (error: unknown) => error === reason,
  );
  for (let waited = 0; !closedEarly.includes("/drip") && waited < 1_000; waited += 10) await delay(10);
  assert.ok(closedEarly.includes("/drip"));
});

test("a reader that stops early releases the upstream request", async () => {
  const before = closedEarly.filter((path) => path === "/drip").length;
  const response = await request("/drip", new AbortController().signal);
  for await (const _chunk of response.body) break;
  for (
    let waited = 0;
    closedEarly.filter((path) => path === "/drip").length === before && waited < 1_000;
    waited += 10
  ) {
    await delay(10);
  }
  assert.equal(closedEarly.filter((path) => path === "/drip").length, before + 1);
});

test("an already aborted signal never dispatches", async () => {
  const controller = new AbortController();
  controller.abort(new Error("gone"));
  let dispatched = 0;
  const counting = Object.create(pool, {
    dispatch: {
      value: (...args: Parameters<Pool["dispatch"]>) => {
        dispatched += 1;
        return pool.dispatch(...args);
      },
    },
  }) as Pool;
  const options = {
    method: "GET",
    path: "/never-sent",
    headers: {},
    body: undefined,
    signal: controller.signal,
  };
  await assert.rejects(dispatchRequest(counting, options), /gone/);
  await delay(50);
  assert.equal(dispatched, 0, "undici was never asked");
  assert.ok(!received.includes("/never-sent"));
});

test("a wait for a free connection is bounded by headTimeout; a request given up while queued is never sent", async () => {
  const single = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  const holder = new AbortController();
  try {
    // The only connection is taken by a request that never gets an answer.
    const holding = dispatchRequest(single, {
      method: "GET",
      path: "/stall",
      headers: {},
      body: undefined,
      signal: holder.signal,
    }).catch(() => undefined);
    await delay(50);
    const queued = dispatchRequest(single, {
      method: "GET",
      path: "/queued-then-timed-out",
      headers: {},
      body: undefined,
      signal: new AbortController().signal,
      headersTimeout: 60_000,
      headTimeout: 150,
    });
    await assert.rejects(
      queued,
      (error: unknown) => (error as { code?: string }).code === "upstream_timeout",
    );
    const leaving = new AbortController();
    const abandoned = dispatchRequest(single, {
      method: "GET",
      path: "/queued-then-aborted",
      headers: {},
      body: undefined,
      signal: leaving.signal,
    });
    await delay(20);
    leaving.abort(new Error("client left"));
    await assert.rejects(abandoned, /client left/);
    // The connection frees up: neither given-up request may go out on it.
    holder.abort(new Error("done holding"));
    await holding;
    await delay(200);
    assert.ok(!received.includes("/queued-then-timed-out"), received.join(" "));
    assert.ok(!received.includes("/queued-then-aborted"), received.join(" "));
  } finally {
    await single.destroy();
  }
});
