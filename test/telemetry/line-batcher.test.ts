// The stdout line batcher: one write per event-loop turn, nothing held past it, a flush on demand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLineBatcher } from "../../src/telemetry/line-batcher.ts";

function recorder(): { writes: string[]; target: { write(chunk: string): boolean } } {
  const writes: string[] = [];
  return { writes, target: { write: (chunk) => writes.push(chunk) > 0 } };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("lines written in one turn reach the target in one write, in order, by the next turn", async () => {
  const { writes, target } = recorder();
  const batcher = createLineBatcher(target);
  batcher.write("a\n");
  batcher.write("b\n");
  batcher.write("c\n");
  assert.deepEqual(writes, [], "held within the turn");
  await nextTurn();
  assert.deepEqual(writes, ["a\nb\nc\n"]);
  batcher.write("d\n");
  await nextTurn();
  assert.deepEqual(writes, ["a\nb\nc\n", "d\n"], "each turn's lines in a write of their own");
});

test("flush writes what is held at once; a turn that gathers a lot does not wait", async () => {
  const { writes, target } = recorder();
  const batcher = createLineBatcher(target);
  batcher.write("held\n");
  batcher.flush();
  assert.deepEqual(writes, ["held\n"]);
  const big = `${"x".repeat(70 * 1024)}\n`;
  batcher.write(big);
  assert.deepEqual(writes, ["held\n", big], "over the batch size: written in the same turn");
  await nextTurn();
  assert.equal(writes.length, 2, "nothing written twice");
});
