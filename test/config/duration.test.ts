import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration } from "../../src/config/duration.ts";

test("parseDuration reads units, fractions and Go-style compound durations", () => {
  const table: [string, number][] = [
    ["500ms", 500],
    ["30s", 30_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["1.1s", 1100],
    ["0.1s", 100],
    ["6m0s", 360_000],
    ["1h30m", 5_400_000],
    ["2m30.5s", 150_500],
    ["120ms", 120],
    [".5s", 500],
    ["1d", 86_400_000],
    ["250us", 0.25],
    ["250µs", 0.25],
    ["1000000ns", 1],
    ["0", 0],
    ["0s", 0],
  ];
  for (const [text, milliseconds] of table) assert.equal(parseDuration(text), milliseconds, text);
});

test("parseDuration rejects bad input with a reason", () => {
  const table: [string, RegExp][] = [
    ["", /empty/],
    ["30", /no unit/],
    ["1.5", /no unit/],
    ["30 s", /invalid duration "30 s"/],
    ["-1s", /invalid duration/],
    ["10x", /units ns, us, ms, s, m, h or d/],
    ["s", /invalid duration/],
    ["1h30", /invalid duration/],
    ["ten seconds", /invalid duration/],
  ];
  for (const [text, reason] of table) assert.throws(() => parseDuration(text), reason, text);
});

test("formatDuration prints what parseDuration reads back", () => {
  const table: [number, string][] = [
    [0, "0"],
    [500, "500ms"],
    [1500, "1.5s"],
    [30_000, "30s"],
    [60_000, "1m"],
    [600_000, "10m"],
    [3_600_000, "1h"],
    [5_400_000, "1h30m"],
    [86_400_000, "24h"],
    [90_500, "1m30.5s"],
  ];
  for (const [milliseconds, text] of table) {
    assert.equal(formatDuration(milliseconds), text);
    assert.equal(parseDuration(text), milliseconds);
  }
});
