// Parses duration strings with units ("500ms", "30s", "1.5s", "6m0s", "1h30m") into milliseconds.

const unitMilliseconds: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

// Go's time.Duration syntax (OpenAI's x-ratelimit-reset-* headers use it too): one or more
// <number><unit> terms, longest units matched first so "ms" is not read as "m" + "s".
const term = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration such as `500ms`, `30s`, `10m`, `1h`, `1.5s` or `6m0s` into milliseconds
 * (fractional for sub-millisecond units). `"0"` is accepted as zero; any other bare number is an
 * error, because a unitless duration is ambiguous. Throws a `RangeError` that says why.
 */
export function parseDuration(text: string): number {
  if (typeof text !== "string") throw new RangeError(`expected a duration string, received ${typeof text}`);
  if (text === "0") return 0;
  if (text === "")
    throw new RangeError("expected a duration like 500ms, 30s or 10m, received an empty string");
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw new RangeError(`duration "${text}" has no unit: write e.g. "${text}s" or "${text}ms"`);
  }
  let total = 0;
  let position = 0;
  while (position < text.length) {
    term.lastIndex = position;
    const match = term.exec(text);
    if (match === null) {
      throw new RangeError(
        `invalid duration "${text}": expected <number><unit> terms with units ns, us, ms, s, m, h or d (e.g. 500ms, 30s, 1h30m)`,
      );
    }
    total += Number(match[1]) * (unitMilliseconds[match[2]!] ?? Number.NaN);
    position = term.lastIndex;
  }
  if (!Number.isFinite(total)) throw new RangeError(`duration "${text}" is too large`);
  // Round away binary floating-point noise (1.1s is 1100, not 1100.0000000000002) but keep nanoseconds.
  return Math.round(total * 1e6) / 1e6;
}

const formatUnits: readonly (readonly [string, number])[] = [
  ["h", 3_600_000],
  ["m", 60_000],
];

/** The inverse of parseDuration for printing: 1500 → "1.5s", 5_400_000 → "1h30m", 0 → "0". */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return "0";
  if (!Number.isInteger(milliseconds) || milliseconds < 1000) return `${milliseconds}ms`;
  let rest = milliseconds;
  let text = "";
  for (const [unit, size] of formatUnits) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  // 500 → "0.5s" rather than "500ms" after a larger unit keeps the terms in descending order.
  if (rest > 0) text += `${rest / 1000}s`;
  return text;
}
