// The lean upstream body: chunks in order, backpressure past the high-water mark, errors and early stops.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Dispatcher } from "undici";
import { DispatchedBody } from "../../src/upstream/upstream-body.ts";

/** undici's controller as the body uses it: pause, resume, abort, and their state. */
function fakeController() {
  const calls: string[] = [];
  let paused = false;
  let aborted: Error | null = null;
  const controller = {
    get paused() {
      return paused;
    },
    get aborted() {
      return aborted !== null;
    },
    get reason() {
      return aborted;
    },
    pause() {
      paused = true;
      calls.push("pause");
    },
    resume() {
      paused = false;
      calls.push("resume");
    },
    abort(reason: Error) {
      aborted = reason;
      calls.push(`abort:${reason.message}`);
    },
  } as unknown as Dispatcher.DispatchController;
  return { controller, calls };
}

test("chunks come out in order, whether read before or after they arrive, then the end", async () => {
  const { controller } = fakeController();
  let done = 0;
  const body = new DispatchedBody(controller, () => done++);
  body.push(Buffer.from("a"));
  const waiting = body.next();
  body.push(Buffer.from("b"));
  const pending = body.next().then((step) => step.value?.toString());
  body.push(Buffer.from("c"));
  body.end();
  assert.equal((await waiting).value?.toString(), "a");
  assert.equal(await pending, "b");
  const rest: string[] = [];
  for await (const chunk of body) rest.push(Buffer.from(chunk).toString());
  assert.deepEqual(rest, ["c"]);
  assert.equal(done, 1, "the signal listener is released once");
});

test("past the high-water mark undici is paused, and resumed once the reader catches up", async () => {
  const { controller, calls } = fakeController();
  const body = new DispatchedBody(controller, () => {});
  const big = Buffer.alloc(40 * 1024);
  body.push(big);
  assert.deepEqual(calls, []);
  body.push(big);
  assert.deepEqual(calls, ["pause"], "80 KiB held: stop reading the socket");
  await body.next();
  assert.deepEqual(calls, ["pause", "resume"], "40 KiB left: read again");
});

test("a failure rejects the waiting read and every later one with the same error", async () => {
  const { controller } = fakeController();
  const body = new DispatchedBody(controller, () => {});
  const waiting = body.next();
  const error = new Error("socket hang up");
  body.fail(error);
  await assert.rejects(waiting, (thrown: unknown) => thrown === error);
  await assert.rejects(body.next(), (thrown: unknown) => thrown === error);
});

test("destroy aborts the upstream with the reason; an early stop aborts it too; after the end neither does", async () => {
  const first = fakeController();
  const destroyed = new DispatchedBody(first.controller, () => {});
  const reason = new Error("idle timeout");
  const waiting = destroyed.next();
  destroyed.destroy(reason);
  await assert.rejects(waiting, (thrown: unknown) => thrown === reason);
  assert.deepEqual(first.calls, ["abort:idle timeout"]);

  const second = fakeController();
  const stopped = new DispatchedBody(second.controller, () => {});
  stopped.push(Buffer.from("x"));
  for await (const _chunk of stopped) break;
  assert.equal(second.calls.length, 1);
  assert.match(second.calls[0] ?? "", /^abort:/);

  const third = fakeController();
  const complete = new DispatchedBody(third.controller, () => {});
  complete.push(Buffer.from("x"));
  complete.end();
  for await (const _chunk of complete) break;
  complete.destroy(new Error("late"));
  assert.deepEqual(third.calls, [], "a finished body has nothing to abort");
});
