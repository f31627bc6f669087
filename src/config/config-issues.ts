// Turns zod issues into ConfigProblems: dotted paths and plain-English reasons, never echoing secrets.
import type { z } from "zod";
import type { ConfigProblem } from "./config-error.ts";

/** How a received value is shown in a reason: short values verbatim, structures by kind only. */
export function describeReceived(value: unknown, options: { readonly reveal?: boolean } = {}): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (options.reveal === false) return `a ${typeof value}`;
  if (typeof value === "string") {
    // A mistyped URL may still carry a password (`redis://:pw@host`): never echo it.
    const safe = value.replace(/(\/\/[^/@\s]*:)[^/@\s]*@/g, "$1<redacted>@");
    const shown = safe.length > 48 ? `${safe.slice(0, 45)}...` : safe;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** A schema-level error function: `expected <description>, received <value>` (or `required: …`). */
export function expected(description: string, options: { readonly reveal?: boolean } = {}) {
  return (issue: { readonly input?: unknown }): string =>
    issue.input === undefined
      ? `required: expected ${description}`
      : `expected ${description}, received ${describeReceived(issue.input, options)}`;
}

function knownKeys(issue: z.core.$ZodRawIssue): string[] {
  const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
  return Object.keys(inst?._zod?.def?.shape ?? {});
}

function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest allowed key to a typo, if it is close enough to be what was meant. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of allowed) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function unknownKeyReason(keys: readonly string[], allowed: readonly string[]): string {
  const noun =
    keys.length === 1 ? "unknown key" : `unknown keys ${keys.map((key) => JSON.stringify(key)).join(", ")}`;
  const suggestion = keys.length === 1 ? suggestKey(keys[0]!, allowed) : undefined;
  if (suggestion !== undefined) return `${noun} (did you mean "${suggestion}"?)`;
  return allowed.length === 0 ? noun : `${noun} (allowed here: ${allowed.join(", ")})`;
}

/** The per-parse error map: a reason for every issue a schema did not word itself. */
export function configErrorMap(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return unknownKeyReason(issue.keys, knownKeys(issue));
    case "invalid_type": {
      const kind =
        issue.expected === "object"
          ? "a mapping"
          : issue.expected === "array"
            ? "a list"
            : issue.expected === "boolean"
              ? "true or false"
              : `a ${issue.expected}`;
      return expected(kind)(issue);
    }
    case "invalid_value":
      return expected(`one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`)(issue);
    case "too_small":
      return expected(`${issue.origin === "array" ? "a list with at least" : "at least"} ${issue.minimum}`)(
        issue,
      );
    case "too_big":
      return expected(`${issue.origin === "array" ? "a list with at most" : "at most"} ${issue.maximum}`)(
        issue,
      );
    default:
      return `invalid value: ${issue.code}`;
  }
}

type IssuePath = readonly PropertyKey[];

/** Flattens zod issues to (path, reason) pairs; an unknown key is reported at its own path. */
export function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
): { path: PropertyKey[]; reason: string }[] {
  const flat: { path: PropertyKey[]; reason: string }[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys" && issue.keys.length === 1) {
      flat.push({ path: [...issue.path, issue.keys[0]!], reason: issue.message });
    } else if (issue.code === "invalid_key") {
      flat.push({ path: [...issue.path], reason: issue.issues[0]?.message ?? issue.message });
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // The options a union tried all failed: the first option's reasons are the most useful.
      for (const nested of flattenIssues(issue.errors[0]!))
        flat.push({ path: [...issue.path, ...nested.path], reason: nested.reason });
    } else {
      flat.push({ path: [...issue.path], reason: issue.message });
    }
  }
  return flat;
}

/** `["providers", "a", "credentials", 1, "jwt"]` → `providers.a.credentials[1].jwt`. */
export function dottedPath(path: IssuePath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Where a key path sits in the source file, when the source is known. */
export type Locate = (path: IssuePath) => { readonly line: number; readonly column: number } | undefined;

export function toProblems(issues: readonly z.core.$ZodIssue[], locate?: Locate): ConfigProblem[] {
  return flattenIssues(issues).map((issue) => ({
    path: dottedPath(issue.path),
    reason: issue.reason,
    ...locate?.(issue.path),
  }));
}
