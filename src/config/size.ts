// Parses byte sizes ("32MiB", "512KiB", "10MB", "1000") into a whole number of bytes.

// Binary units as DESIGN.md §10 writes them, the Kubernetes spellings (Ki, Mi, Gi) people paste
// from manifests, and decimal SI units; matched without regard to case except that the bare
// letters are not accepted alone (is "m" milli or mega?).
const unitBytes: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

const sizePattern = /^(\d+(?:\.\d+)?)\s?([A-Za-z]+)?$/;

/**
 * Parses `32MiB`, `512KiB`, `1GiB`, `10MB` (decimal), `1000` (bytes) or a non-negative integer
 * number of bytes. Throws a `RangeError` that says why on anything else.
 */
export function parseSize(value: string | number): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new RangeError(
      `expected a size in bytes (a whole number ≥ 0) or a string like "32MiB", received ${value}`,
    );
  }
  if (typeof value !== "string")
    throw new RangeError(`expected a size like "32MiB", received ${typeof value}`);
  const match = sizePattern.exec(value);
  if (match === null) {
    throw new RangeError(
      `invalid size "${value}": expected a number with an optional unit (B, KiB, MiB, GiB, KB, MB, GB), e.g. "32MiB"`,
    );
  }
  const unit = match[2] === undefined ? "b" : match[2].toLowerCase();
  const multiplier = unitBytes[unit];
  if (multiplier === undefined) {
    throw new RangeError(
      `invalid size "${value}": unknown unit "${match[2]}" (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)`,
    );
  }
  // Exact decimal arithmetic: 1.1KB is 1100 bytes, not 1100.0000000000002.
  const [whole = "", fraction = ""] = match[1]!.split(".");
  const numerator = BigInt(whole + fraction) * BigInt(multiplier);
  const denominator = 10n ** BigInt(fraction.length);
  const bytes = numerator % denominator === 0n ? Number(numerator / denominator) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new RangeError(`invalid size "${value}": it is not a whole number of bytes or is too large`);
  }
  return bytes;
}

const binaryUnits: readonly (readonly [string, number])[] = [
  ["TiB", 1024 ** 4],
  ["GiB", 1024 ** 3],
  ["MiB", 1024 ** 2],
  ["KiB", 1024],
];

/** The inverse of parseSize for printing: 33554432 → "32MiB"; a size with no exact binary unit stays bytes. */
export function formatSize(bytes: number): string | number {
  for (const [unit, size] of binaryUnits) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return bytes;
}
