// Zod building blocks for the config schema: units, numbers, addresses, URLs, secret references.
import { isIPv6 } from "node:net";
import { z } from "zod";
import {
  configErrorMap,
  describeReceived,
  expected,
  flattenIssues,
  unknownKeyReason,
} from "./config-issues.ts";
import { parseDuration } from "./duration.ts";
import { parseSize } from "./size.ts";

/** An integer in [min, max], worded as the config reference words it. */
export function integer(min: number, max?: number) {
  const description = max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  const schema = z.int({ error: expected(description) }).min(min);
  return max === undefined ? schema : schema.max(max);
}

/** A number in (0, 1] or [0, 1]: ratios such as breaker.failureRatio and retry.budgetRatio. */
export function ratio(options: { readonly allowZero: boolean }) {
  const description = options.allowZero ? "a number from 0 to 1" : "a number greater than 0 and at most 1";
  const schema = z.number({ error: expected(description) }).max(1);
  return options.allowZero ? schema.min(0) : schema.gt(0);
}

/** A duration string with a unit (`500ms`, `30s`, `10m`), parsed to milliseconds. */
export function duration(options: { readonly positive?: boolean } = {}) {
  return z.unknown().transform((input, context): number => {
    if (typeof input !== "string") {
      context.issues.push({
        code: "custom",
        input,
        message: expected('a duration string with a unit, e.g. "500ms", "30s", "10m"')({ input }),
      });
      return z.NEVER;
    }
    try {
      const milliseconds = parseDuration(input);
      if (options.positive === true && milliseconds <= 0) {
        context.issues.push({
          code: "custom",
          input,
          message: `expected a duration greater than 0, received "${input}"`,
        });
        return z.NEVER;
      }
      return milliseconds;
    } catch (error) {
      context.issues.push({ code: "custom", input, message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** A size (`32MiB`, `512KiB`, `10MB`) or a bare number of bytes, parsed to bytes. */
export function size(options: { readonly min?: number } = {}) {
  return z.unknown().transform((input, context): number => {
    if (typeof input !== "string" && typeof input !== "number") {
      context.issues.push({
        code: "custom",
        input,
        message: expected('a size such as "32MiB" or a number of bytes')({ input }),
      });
      return z.NEVER;
    }
    try {
      const bytes = parseSize(input);
      if (options.min !== undefined && bytes < options.min) {
        context.issues.push({
          code: "custom",
          input,
          message: `expected at least ${options.min} bytes, received ${describeReceived(input)}`,
        });
        return z.NEVER;
      }
      return bytes;
    } catch (error) {
      context.issues.push({ code: "custom", input, message: (error as Error).message });
      return z.NEVER;
    }
  });
}

export function nonEmptyString(description = "a non-empty string") {
  return z.string({ error: expected(description) }).min(1);
}

export function boolean() {
  return z.boolean({ error: expected("true or false") });
}

/** One of a fixed set of strings. */
export function oneOf<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, { error: expected(`one of ${values.join(", ")}`) });
}

const hostPortPattern = /^(\[[^\]]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** `host:port` with port 0–65535; an IPv6 host goes in brackets (`[::1]:7700`). */
export function hostPort() {
  const description = 'host:port with a port from 0 to 65535, e.g. "127.0.0.1:7700" or "[::1]:7700"';
  return z.string({ error: expected(description) }).refine(
    (value) => {
      const match = hostPortPattern.exec(value);
      if (match === null) return false;
      const host = match[1]!;
      if (host.startsWith("[") && !isIPv6(host.slice(1, -1))) return false;
      return Number(match[2]) <= 65535;
    },
    { error: expected(description) },
  );
}

/** An absolute http(s) URL with no credentials, query or fragment; the trailing slash is removed, a path prefix kept. */
export function httpUrl(description = "an absolute http(s) URL") {
  return z.string({ error: expected(description) }).transform((input, context): string => {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      context.issues.push({ code: "custom", input, message: expected(description)({ input }) });
      return z.NEVER;
    }
    const problem =
      url.protocol !== "http:" && url.protocol !== "https:"
        ? `expected an http or https URL, received scheme "${url.protocol.slice(0, -1)}"`
        : url.username !== "" || url.password !== ""
          ? "a URL must not carry a user name or password: put secrets in credentials"
          : url.search !== "" || url.hash !== ""
            ? "a URL must not carry a query string or fragment"
            : undefined;
    if (problem !== undefined) {
      context.issues.push({ code: "custom", input, message: problem });
      return z.NEVER;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  });
}

/** A file-system path. Relative paths resolve against the sidecar's working directory. */
export function filePath() {
  return nonEmptyString("a file path");
}

const environmentName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The name of an environment variable (not its value). */
export function environmentVariableName() {
  const description = "an environment variable name such as ANTHROPIC_API_KEY";
  return z.string({ error: expected(description) }).regex(environmentName, { error: expected(description) });
}

type ShapeOutputs<Options extends Record<string, z.ZodType>> = {
  [Key in keyof Options]: z.output<Options[Key]>;
}[keyof Options];

/**
 * A mapping told apart by which of a few keys it holds (`{ env }` vs `{ file }`, one credential
 * kind per entry). Each option is the whole object schema for when its key is present, so errors
 * come from the option the user meant instead of a wall of union mismatches.
 */
export function exactlyOneOf<const Options extends Record<string, z.ZodType>>(
  options: Options,
  description: string,
) {
  const keys = Object.keys(options);
  return z.unknown().transform((input, context): ShapeOutputs<Options> => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      context.issues.push({
        code: "custom",
        input,
        message: expected(description, { reveal: false })({ input }),
      });
      return z.NEVER;
    }
    const present = keys.filter((key) => Object.hasOwn(input, key));
    if (present.length > 1) {
      const reason = `expected ${description}, but found ${present.join(" and ")}: use one per entry`;
      context.issues.push({ code: "custom", input, message: reason });
      return z.NEVER;
    }
    if (present.length === 0) {
      const found = Object.keys(input);
      if (found.length === 0)
        context.issues.push({
          code: "custom",
          input,
          message: `expected ${description}, received an empty mapping`,
        });
      for (const key of found) {
        context.issues.push({
          code: "custom",
          input,
          path: [key],
          message: `${unknownKeyReason([key], keys)}; expected ${description}`,
        });
      }
      return z.NEVER;
    }
    const schema = options[present[0]!]!;
    const result = schema.safeParse(input, { error: configErrorMap });
    if (!result.success) {
      for (const issue of flattenIssues(result.error.issues)) {
        context.issues.push({ code: "custom", input, path: issue.path, message: issue.reason });
      }
      return z.NEVER;
    }
    return result.data as ShapeOutputs<Options>;
  });
}

/** `{ env: NAME }` or `{ file: PATH }`: where a secret lives. The secret itself never appears in config. */
export function secretRef() {
  return exactlyOneOf(
    {
      env: z.strictObject({ env: environmentVariableName() }),
      file: z.strictObject({ file: filePath() }),
    },
    "a secret reference { env: NAME } or { file: PATH } (inline secret values are not accepted)",
  );
}
