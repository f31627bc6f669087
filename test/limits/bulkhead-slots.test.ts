// The bulkhead holds a slot until the response body finishes, queues within a timeout, and rejects past it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { createBulkheadSlots } from "../../src/limits/bulkhead-slots.ts";
import type { ProxyResponse } from "../../src/pipeline/proxy-response.ts";

const ok = (): Promise<ProxyResponse> =>
  Promise.resolve({ status: 200, headers: {}, body: Buffer.from("x") });

test("a slot is held until onFinished, then the queued attempt runs", async () => {
  const slots = createBulkheadSlots({ maxConcurrent: 1, maxQueued: 1, queueTimeout: 1_000 });
  const signal = new AbortController().signal;
  const first = await slots.run(ok, signal, 1_000);
  let secondRan = false;
  const second = slots.run(
    () => {
      secondRan = true;
      return ok();
    },
    signal,
    1_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(secondRan, false, "the first response's body is still streaming");
  first.onFinished?.({ completed: true });
  await second;
  assert.equal(secondRan, true);
});

test("past the queue timeout: bulkhead_full; a full queue rejects at once", async () => {
  const slots = createBulkheadSlots({ maxConcurrent: 1, maxQueued: 1, queueTimeout: 50 });
  const signal = new AbortController().signal;
  const held = await slots.run(ok, signal, 50);
  const queued = slots.run(ok, signal, 50);
  await assert.rejects(slots.run(ok, signal, 50), (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, "bulkhead_full");
    return true;
  });
  await assert.rejects(
    queued,
    (error: unknown) => error instanceof ProxyError && error.code === "bulkhead_full",
  );
  held.onFinished?.({ completed: true });
  // The slot frees (and the timed-out entry leaves cockatiel's queue) a tick after the body finished.
  await new Promise((resolve) => setImmediate(resolve));
  const again = await slots.run(ok, signal, 50);
  again.onFinished?.({ completed: true });
});

test("a client that leaves while queued stops waiting", async () => {
  const slots = createBulkheadSlots({ maxConcurrent: 1, maxQueued: 4, queueTimeout: 5_000 });
  const held = await slots.run(ok, new AbortController().signal, 5_000);
  const client = new AbortController();
  const queued = slots.run(ok, client.signal, 5_000);
  client.abort(new Error("client closed"));
  held.onFinished?.({ completed: true });
  await assert.rejects(queued, /client closed/);
});
