// Each scripted fault behaves as specified over a real socket, and a client that leaves is recorded promptly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { delay, eventually, fixtures, parseSse, send } from "./simulator-test-helpers.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ fixtures });
});
after(async () => {
  await simulator.close();
});
beforeEach(() => simulator.reset());

const anthropicStream = { model: "claude-test", stream: true };
const anthropicTextLines = readFileSync(join(fixtures, "anthropic/anthropic-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((line) => line !== "");

/** Starts a request and aborts it once `abortWhen` says so; resolves with the abort time. */
function abortingRequest(
  path: string,
  body: unknown,
  abortWhen: "head" | "first-data" | number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${simulator.url}${path}`, { method: "POST", agent: false }, (response) => {
      if (abortWhen === "head") {
        resolve(Date.now());
        outgoing.destroy();
      }
      response.once("data", () => {
        if (abortWhen !== "first-data") return;
        resolve(Date.now());
        outgoing.destroy();
      });
    });
    outgoing.on("error", () => undefined);
    if (typeof abortWhen === "number") {
      setTimeout(() => {
        resolve(Date.now());
        outgoing.destroy();
      }, abortWhen);
    }
    outgoing.end(JSON.stringify(body), () => undefined);
    outgoing.on("close", () => reject(new Error("closed before the abort point")));
  });
}

test("respond sends a canned status with headers; a missing body is the dialect's own error", async () => {
  simulator.script([
    {
      respond: { status: 429 },
      headers: { "retry-after": "2", "anthropic-ratelimit-requests-remaining": "0" },
    },
    { respond: { status: 503, body: { error: { message: "busy", type: "server_error" } } } },
    { respond: { status: 502, body: "<html>bad gateway</html>", headers: { "x-from": "lb" } } },
  ]);
  const limited = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers["retry-after"], "2");
  assert.equal(limited.headers["anthropic-ratelimit-requests-remaining"], "0");
  assert.deepEqual(JSON.parse(limited.body.toString()), {
    type: "error",
    error: { type: "rate_limit_error", message: "Too Many Requests" },
  });
  const busy = await send(simulator.url, "/chat/completions", { model: "deepseek-chat" });
  assert.equal(busy.status, 503);
  assert.equal(busy.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(busy.body.toString()), { error: { message: "busy", type: "server_error" } });
  const html = await send(simulator.url, "/chat/completions", { model: "deepseek-chat" });
  assert.equal(html.status, 502);
  assert.equal(html.headers["x-from"], "lb");
  assert.equal(html.headers["content-type"], "text/plain; charset=utf-8");
  assert.equal(html.body.toString(), "<html>bad gateway</html>");
  const normal = await send(simulator.url, "/chat/completions", { model: "deepseek-chat" });
  assert.equal(normal.status, 200, "the script is used up: normal replay");
  assert.deepEqual(
    simulator.requests.map((entry) => entry.status),
    [429, 503, 502, 200],
  );
});

test("headers merge into a normal replay without touching the body", async () => {
  simulator.script([
    { headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s" } },
  ]);
  const response = await send(simulator.url, "/v1/chat/completions", { model: "gpt-5", stream: true });
  assert.equal(response.headers["x-ratelimit-remaining-requests"], "0");
  assert.equal(response.headers["x-ratelimit-reset-requests"], "6m0s");
  assert.equal(parseSse(response.body.toString()).at(-1)?.data, "[DONE]");
});

test("steps scoped by path are only consumed by matching requests", async () => {
  simulator.script([{ path: "/v1/messages", respond: { status: 529 } }, { respond: { status: 500 } }]);
  const deepseek = await send(simulator.url, "/chat/completions", { model: "deepseek-chat" });
  assert.equal(deepseek.status, 500, "the unscoped step is the first that applies");
  const anthropic = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.equal(anthropic.status, 529);
  assert.equal(
    (JSON.parse(anthropic.body.toString()) as { error: { type: string } }).error.type,
    "overloaded_error",
  );
  assert.equal((await send(simulator.url, "/v1/messages", anthropicStream)).status, 200);
});

test("stallBeforeHead with ms waits, then replays normally", async () => {
  simulator.script([{ stallBeforeHead: 300 }]);
  const response = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.ok(response.headAfter >= 250, `head after ${response.headAfter} ms`);
  assert.equal(parseSse(response.body.toString()).length, anthropicTextLines.length);
});

test("stallBeforeHead without ms hangs until the client leaves, which is recorded within 1 s", async () => {
  simulator.script([{ stallBeforeHead: null }]);
  const abortedAt = await abortingRequest("/v1/messages", anthropicStream, 150);
  const entry = simulator.requests[0];
  assert.ok(entry !== undefined);
  assert.ok(await eventually(() => entry.clientClosedEarly));
  assert.equal(entry.status, undefined, "nothing was sent");
  assert.ok((entry.closedAt ?? Infinity) - abortedAt < 1000);
});

test("stallAfterHead sends the head at once and the body later", async () => {
  simulator.script([{ stallAfterHead: 300 }]);
  const response = await send(simulator.url, "/chat/completions", { model: "deepseek-chat", stream: true });
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "text/event-stream; charset=utf-8");
  const firstPiece = response.pieces[0]?.at ?? 0;
  assert.ok(
    firstPiece - response.headAfter >= 250,
    `head ${response.headAfter} ms, first byte ${firstPiece} ms`,
  );
  assert.equal(parseSse(response.body.toString()).at(-1)?.data, "[DONE]");
});

test("cutAfterEvents sends n events then destroys the socket", async () => {
  simulator.script([{ cutAfterEvents: 3 }, { cutAfterEvents: 0 }, { cutAfterEvents: 1 }]);
  const cut = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.equal(cut.status, 200);
  assert.ok(cut.error !== undefined, "the client sees a broken stream, not an end");
  assert.deepEqual(
    parseSse(cut.body.toString()).map((event) => event.data),
    anthropicTextLines.slice(0, 3),
  );
  const headOnly = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.equal(headOnly.status, 200);
  assert.equal(headOnly.body.length, 0);
  assert.ok(headOnly.error !== undefined);
  const json = await send(simulator.url, "/v1/messages", { model: "c" });
  const full = readFileSync(join(fixtures, "anthropic/anthropic-text.json"));
  assert.ok(json.error !== undefined);
  assert.ok(json.body.equals(full.subarray(0, Math.floor(full.length / 2))), "half a JSON body");
  assert.ok(
    simulator.requests.every((entry) => !entry.clientClosedEarly),
    "a scripted cut is not a client abort",
  );
});

test("firstEventError is a 200 stream whose first event is the error, in each dialect", async () => {
  simulator.script([
    { firstEventError: { type: "overloaded_error", message: "Overloaded" } },
    { firstEventError: { type: "server_error", message: "try again" } },
  ]);
  const anthropic = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.equal(anthropic.status, 200);
  assert.equal(anthropic.headers["content-type"], "text/event-stream; charset=utf-8");
  assert.equal(anthropic.error, undefined);
  assert.equal(
    anthropic.body.toString(),
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  );
  const openai = await send(simulator.url, "/v1/chat/completions", { model: "gpt-5", stream: true });
  assert.equal(openai.status, 200);
  const events = parseSse(openai.body.toString());
  assert.equal(events.length, 1);
  assert.deepEqual(JSON.parse(events[0]?.data ?? ""), {
    error: { message: "try again", type: "server_error", param: null, code: null },
  });
});

test("keepAlive sends DeepSeek keep-alive comments and blank lines before the first event", async () => {
  simulator.script([{ keepAlive: 450 }, { keepAlive: 250 }]);
  const streaming = await send(simulator.url, "/chat/completions", { model: "deepseek-chat", stream: true });
  const text = streaming.body.toString();
  const firstData = text.indexOf("data:");
  const preamble = text.slice(0, firstData);
  assert.ok(preamble.startsWith(": keep-alive\n\n"));
  assert.ok(preamble.split(": keep-alive").length - 1 >= 2, JSON.stringify(preamble));
  assert.match(preamble, /^(: keep-alive\n\n|\n)+$/);
  assert.ok((streaming.pieces.find((piece) => piece.bytes.includes("data:"))?.at ?? 0) >= 400);
  const lines = readFileSync(join(fixtures, "deepseek/deepseek-text.chunks.txt"), "utf8")
    .split("\n")
    .filter(Boolean);
  assert.deepEqual(
    parseSse(text).map((event) => event.data),
    [...lines, "[DONE]"],
  );
  const json = await send(simulator.url, "/chat/completions", { model: "deepseek-chat" });
  const body = json.body.toString();
  assert.match(body, /^\n+\{/);
  assert.equal(json.headers["content-length"], undefined);
  assert.equal(body.trimStart(), readFileSync(join(fixtures, "deepseek/deepseek-text.json"), "utf8"));
});

test("slowDrip and x-simulator-chunk-latency space the chunks out", async () => {
  simulator.script([{ slowDrip: 25 }]);
  const dripped = await send(simulator.url, "/v1/messages", anthropicStream);
  assert.ok(dripped.endAfter >= 200, `ended after ${dripped.endAfter} ms`);
  assert.ok(dripped.pieces.length >= 6, "events arrive separately");
  const paced = await send(simulator.url, "/v1/messages", anthropicStream, {
    "x-simulator-chunk-latency": "20",
  });
  assert.ok(paced.endAfter >= 180, `ended after ${paced.endAfter} ms`);
  const delayed = await send(simulator.url, "/v1/messages", anthropicStream, {
    "x-simulator-first-byte-delay": "200",
  });
  assert.ok(delayed.headAfter >= 180, `head after ${delayed.headAfter} ms`);
});

test("options set default chunk latency and first-byte delay", async () => {
  const slow = await startSimulator({ fixtures, chunkLatency: 20, firstByteDelay: 150 });
  try {
    const response = await send(slow.url, "/v1/messages", anthropicStream);
    assert.ok(response.headAfter >= 130, `head after ${response.headAfter} ms`);
    assert.ok(
      response.endAfter - response.headAfter >= 180,
      `body took ${response.endAfter - response.headAfter} ms`,
    );
  } finally {
    await slow.close();
  }
});

test("a client leaving mid-stream is recorded and writing stops", async () => {
  simulator.script([{ slowDrip: 50 }]);
  const abortedAt = await abortingRequest(
    "/chat/completions",
    { model: "deepseek-chat", stream: true },
    "first-data",
  );
  const entry = simulator.requests[0];
  assert.ok(entry !== undefined);
  assert.ok(await eventually(() => entry.clientClosedEarly));
  assert.equal(entry.status, 200);
  assert.equal(entry.finishedAt, undefined, "the response never completed");
  assert.ok((entry.closedAt ?? Infinity) - abortedAt < 1000);
  await delay(100);
  assert.ok(!simulator.requests[0]?.finishedAt);
});

test("a huge synthetic stream stops at once when the client leaves", async () => {
  const abortedAt = await new Promise<number>((resolve) => {
    const outgoing = httpRequest(
      `${simulator.url}/v1/messages`,
      { method: "POST", agent: false, headers: { "x-simulator-size": String(1024 ** 3) } },
      (response) => {
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > 256 * 1024) {
            resolve(Date.now());
            outgoing.destroy();
          }
        });
      },
    );
    outgoing.on("error", () => undefined);
    outgoing.end(JSON.stringify({ model: "c", stream: true }));
  });
  const entry = simulator.requests[0];
  assert.ok(entry !== undefined);
  assert.ok(await eventually(() => entry.clientClosedEarly));
  assert.ok((entry.closedAt ?? Infinity) - abortedAt < 1000);
});
