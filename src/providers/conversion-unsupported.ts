// The one refusal of every converter: a field the other dialect cannot express, named, never dropped silently.
import { ProxyError } from "../errors/proxy-error.ts";

export type ConversionDirection = "from" | "to";

const dialectNames = { anthropic: "Anthropic Messages", openai: "OpenAI Chat Completions" } as const;

/**
 * A 400 `conversion_unsupported` naming the field, e.g. `n` (OpenAI `n > 1`) or `messages[0].content[1].type`.
 * `direction` says whether the field could not be read from the client's dialect or written to the target's.
 */
export function conversionUnsupported(
  field: string,
  dialect: keyof typeof dialectNames,
  direction: ConversionDirection,
  detail?: string,
): ProxyError {
  const where = direction === "from" ? `from ${dialectNames[dialect]}` : `into ${dialectNames[dialect]}`;
  const suffix = detail === undefined ? "" : ` (${detail})`;
  return new ProxyError("conversion_unsupported", `Cannot convert \`${field}\` ${where}${suffix}.`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
