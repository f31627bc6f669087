// A tool call's JSON argument text → Anthropic's `input` object, refused when it is not a JSON object.
import { conversionUnsupported, isRecord } from "../conversion-unsupported.ts";

/** Tool input must be a JSON object in Anthropic; empty arguments (a call with none) are `{}`. */
export function anthropicToolInput(argumentsText: string, field: string): Record<string, unknown> {
  if (argumentsText.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsText);
  } catch {
    throw conversionUnsupported(field, "anthropic", "to", "tool call arguments are not valid JSON");
  }
  if (!isRecord(parsed))
    throw conversionUnsupported(field, "anthropic", "to", "tool call arguments are not an object");
  return parsed;
}
