// The stdout line batcher: lines gathered for at most 25 ms go out in one write; a large batch or a flush writes at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLineBatcher } from "../../src/telemetry/line-batcher.ts";

function recorder(): { writes: string[]; target: { write(chunk: string): boolean } } {
  const writes: string[] = [];
  return { writes, target: { write: (chunk) => writes.push(chunk) > 0 } };
}

test("lines of several turns within 25 ms reach the target in one write, in order, and none waits longer", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { writes, target } = recorder();
  const batcher = createLineBatcher(target);
  batcher.write("a\n");
  batcher.write("b\n");
  t.mock.timers.tick(10);
  batcher.write("c\n");
  t.mock.timers.tick(14);
  assert.deepEqual(writes, [], "held for 24 ms");
  t.mock.timers.tick(1);
  assert.deepEqual(writes, ["a\nb\nc\n"], "written 25 ms after the first line");
  batcher.write("d\n");
  t.mock.timers.tick(24);
  assert.deepEqual(writes, ["a\nb\nc\n"]);
  t.mock.timers.tick(1);
  assert.deepEqual(writes, ["a\nb\nc\n", "d\n"], "the next line starts a batch of its own");
});

test("flush writes what is held at once; 16 KiB gathered are written without waiting", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { writes, target } = recorder();
  const batcher = createLineBatcher(target);
  batcher.write("held\n");
  batcher.flush();
  assert.deepEqual(writes, ["held\n"]);
  const line = `${"x".repeat(1023)}\n`;
  for (let index = 0; index < 15; index++) batcher.write(line);
  assert.equal(writes.length, 1, "15 KiB are held");
  batcher.write(line);
  assert.deepEqual(writes, ["held\n", line.repeat(16)], "the 16th KiB sends the batch in the same turn");
  t.mock.timers.tick(100);
  assert.equal(writes.length, 2, "nothing written twice, no empty write");
});
