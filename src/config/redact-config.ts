// The effective config as printable YAML: durations and sizes back in units, secret-ish values redacted.
import { stringify } from "yaml";
import type { OutriggerConfig } from "./config-types.ts";
import { formatDuration } from "./duration.ts";
import { formatSize } from "./size.ts";

export const redacted = "<redacted>";

// Paths whose numbers are milliseconds or bytes, printed back the way the config file writes
// them so the output of `check-config` is itself a valid config. `*` matches any one key.
const durationPaths = [
  "providers.*.credentials.*.exec.ttl",
  "providers.*.credentials.*.exec.timeout",
  "providers.*.credentials.*.jwt.lifetime",
  "providers.*.credentials.*.jwt.refreshBefore",
  "providers.*.resilience.retry.baseDelay",
  "providers.*.resilience.retry.maxDelay",
  "providers.*.resilience.retry.maxWait",
  "providers.*.resilience.breaker.window",
  "providers.*.resilience.breaker.halfOpenAfter",
  "providers.*.resilience.timeouts.*",
  "providers.*.resilience.bulkhead.queueTimeout",
  "intercept.leafValidity",
  "shutdown.grace",
].map((path) => path.split("."));
const sizePaths = ["providers.*.maxBodySize"].map((path) => path.split("."));

// A SecretRef is a name, fine to print; these keys would only ever hold a secret inline.
const secretKey = /(password|passwd|secret|token|api[-_]?key|authorization)$/i;

function matches(path: readonly string[], patterns: readonly (readonly string[])[]): boolean {
  return patterns.some(
    (pattern) =>
      pattern.length === path.length &&
      pattern.every((segment, index) => segment === "*" || segment === path[index]),
  );
}

/** A URL with its password and query values replaced (e.g. `redis://:pw@host` → `redis://:<redacted>@host`). */
export function redactUrl(text: string): string {
  if (!text.includes("://") || !URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.password === "" && url.search === "") return text;
  if (url.password !== "") url.password = redacted;
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, redacted);
  return decodeURIComponent(url.toString());
}

function transform(value: unknown, path: string[]): unknown {
  const key = path.at(-1) ?? "";
  if (typeof value === "number") {
    if (matches(path, durationPaths)) return formatDuration(value);
    if (matches(path, sizePaths)) return formatSize(value);
    return value;
  }
  if (typeof value === "string") {
    if (secretKey.test(key) && path.at(-2) !== "credentials") return redacted;
    return redactUrl(value);
  }
  if (Array.isArray(value)) return value.map((item, index) => transform(item, [...path, String(index)]));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, transform(item, [...path, name])]),
    );
  }
  return value;
}

/** A plain copy of the config that is safe to print: units restored, inline secret-ish values redacted. */
export function redactConfig(config: OutriggerConfig): Record<string, unknown> {
  return transform(config, []) as Record<string, unknown>;
}

/** The redacted effective config as YAML, valid as a config file itself. */
export function renderConfig(config: OutriggerConfig): string {
  return stringify(redactConfig(config), { lineWidth: 0 });
}
