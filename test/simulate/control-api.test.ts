// The /_simulator control API sets scripts and reads or resets the request log over HTTP.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { fixtures, send } from "./simulator-test-helpers.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ fixtures });
});
after(async () => {
  await simulator.close();
});

test("POST /_simulator/script replaces the script and the next requests consume it", async () => {
  const set = await send(simulator.url, "/_simulator/script", [
    { respond: { status: 500 } },
    { respond: { status: 418 } },
  ]);
  assert.equal(set.status, 200);
  assert.deepEqual(JSON.parse(set.body.toString()), { steps: 2 });
  const replaced = await send(simulator.url, "/_simulator/script", [{ respond: { status: 529 } }]);
  assert.equal(replaced.status, 200);
  const pending = await send(simulator.url, "/_simulator/script", undefined, {}, "GET");
  assert.deepEqual(JSON.parse(pending.body.toString()), [{ respond: { status: 529 } }]);
  assert.equal((await send(simulator.url, "/v1/messages", { stream: true })).status, 529);
  assert.equal((await send(simulator.url, "/v1/messages", { stream: true })).status, 200);
});

test("a bad script is refused with the reason and leaves the current one alone", async () => {
  await send(simulator.url, "/_simulator/script", [{ respond: { status: 503 } }]);
  const bad = await send(simulator.url, "/_simulator/script", [
    { respond: { status: 503 } },
    { nonsense: 1 },
  ]);
  assert.equal(bad.status, 400);
  assert.match(
    (JSON.parse(bad.body.toString()) as { error: string }).error,
    /script\[1\] has unknown key 'nonsense'/,
  );
  const notJson = await send(simulator.url, "/_simulator/script", "[{");
  assert.equal(notJson.status, 400);
  assert.equal((await send(simulator.url, "/chat/completions", { model: "deepseek-chat" })).status, 503);
});

test("GET /_simulator/requests lists provider requests; DELETE resets log and script", async () => {
  await send(simulator.url, "/_simulator/requests", undefined, {}, "DELETE");
  await send(
    simulator.url,
    "/chat/completions?x=1",
    { model: "deepseek-chat", messages: [] },
    { authorization: "Bearer sk-1" },
  );
  const listed = await send(simulator.url, "/_simulator/requests", undefined, {}, "GET");
  const requests = JSON.parse(listed.body.toString()) as {
    method: string;
    path: string;
    url: string;
    body: string;
    headers: Record<string, string>;
    receivedAt: number;
    clientClosedEarly: boolean;
    status: number;
    fixture: string;
  }[];
  assert.equal(requests.length, 1, "control calls are not recorded");
  const [entry] = requests;
  assert.equal(entry?.method, "POST");
  assert.equal(entry?.path, "/chat/completions");
  assert.equal(entry?.url, "/chat/completions?x=1");
  assert.deepEqual(JSON.parse(entry?.body ?? ""), { model: "deepseek-chat", messages: [] });
  assert.equal(entry?.headers.authorization, "Bearer sk-1");
  assert.ok(Math.abs((entry?.receivedAt ?? 0) - Date.now()) < 10_000);
  assert.equal(entry?.clientClosedEarly, false);
  assert.equal(entry?.status, 200);
  assert.equal(entry?.fixture, "deepseek/deepseek-text.json");

  await send(simulator.url, "/_simulator/script", [{ respond: { status: 500 } }]);
  const reset = await send(simulator.url, "/_simulator/requests", undefined, {}, "DELETE");
  assert.equal(reset.status, 200);
  assert.equal(simulator.requests.length, 0);
  assert.equal(
    (await send(simulator.url, "/chat/completions", { model: "deepseek-chat" })).status,
    200,
    "script cleared",
  );
});

test("unknown control routes are 404 with a hint", async () => {
  const response = await send(simulator.url, "/_simulator/nope", undefined, {}, "GET");
  assert.equal(response.status, 404);
  assert.match(response.body.toString(), /POST \/_simulator\/script/);
});

test("the request log keeps only the newest maxRecordedRequests entries", async () => {
  const small = await startSimulator({ fixtures, maxRecordedRequests: 3 });
  try {
    for (let index = 0; index < 5; index += 1) {
      await send(small.url, `/chat/completions?n=${index}`, { model: "deepseek-chat" });
    }
    assert.deepEqual(
      small.requests.map((entry) => entry.url),
      ["/chat/completions?n=2", "/chat/completions?n=3", "/chat/completions?n=4"],
    );
  } finally {
    await small.close();
  }
});
