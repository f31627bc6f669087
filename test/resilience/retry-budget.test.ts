// The retry budget: a floor for quiet providers, a ratio of recent requests, and a window that forgets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRetryBudget } from "../../src/resilience/retry-budget.ts";

test("the floor allows a few retries with no traffic, then refuses", () => {
  let clock = 0;
  const budget = createRetryBudget({ ratio: 0.2, floor: 3, now: () => clock });
  assert.deepEqual(
    [1, 2, 3, 4].map(() => budget.tryRetry()),
    [true, true, true, false],
  );
  clock += 10_000;
  assert.equal(budget.tryRetry(), true, "a new window has its floor back");
});

test("retries stay within ratio × requests over the window (plus the floor)", () => {
  let clock = 0;
  const budget = createRetryBudget({ ratio: 0.2, floor: 0, now: () => clock });
  for (let index = 0; index < 100; index++) budget.recordRequest();
  let granted = 0;
  for (let index = 0; index < 100; index++) if (budget.tryRetry()) granted++;
  assert.equal(granted, 20);
  clock += 5_000;
  assert.equal(budget.tryRetry(), false, "half a window later the old requests and retries still count");
  clock += 5_001;
  for (let index = 0; index < 10; index++) budget.recordRequest();
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), false, "10 new requests × 0.2 = 2 retries");
});

test("ratio 0 leaves only the floor", () => {
  const budget = createRetryBudget({ ratio: 0, floor: 1, now: () => 0 });
  for (let index = 0; index < 50; index++) budget.recordRequest();
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), false);
});
