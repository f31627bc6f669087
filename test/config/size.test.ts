import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSize, parseSize } from "../../src/config/size.ts";

test("parseSize reads binary, decimal and bare byte counts", () => {
  const table: [string | number, number][] = [
    ["32MiB", 32 * 1024 * 1024],
    ["512KiB", 512 * 1024],
    ["1GiB", 1024 ** 3],
    ["1000", 1000],
    ["10MB", 10_000_000],
    ["1kB", 1000],
    ["2KB", 2000],
    ["64Mi", 64 * 1024 * 1024],
    ["1.5KiB", 1536],
    ["1.1KB", 1100],
    ["100B", 100],
    ["0", 0],
    [1000, 1000],
    [0, 0],
  ];
  for (const [input, bytes] of table) assert.equal(parseSize(input), bytes, String(input));
});

test("parseSize rejects bad input with a reason", () => {
  const table: [string | number, RegExp][] = [
    ["", /invalid size ""/],
    ["32XB", /unknown unit "XB"/],
    ["MiB", /invalid size/],
    ["-1", /invalid size/],
    ["1.5B", /not a whole number of bytes/],
    ["0.3333KB", /not a whole number of bytes/],
    ["1e3", /invalid size/],
    [-5, /whole number ≥ 0/],
    [1.5, /whole number ≥ 0/],
    ["99999999TiB", /too large/],
  ];
  for (const [input, reason] of table) assert.throws(() => parseSize(input), reason, String(input));
});

test("formatSize prints the largest exact binary unit", () => {
  assert.equal(formatSize(32 * 1024 * 1024), "32MiB");
  assert.equal(formatSize(1536), 1536);
  assert.equal(formatSize(2048), "2KiB");
  assert.equal(formatSize(1000), 1000);
  assert.equal(parseSize(formatSize(3 * 1024 ** 3)), 3 * 1024 ** 3);
});
