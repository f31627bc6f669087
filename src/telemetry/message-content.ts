// Prompt text for spans, only when content capture is on: the request's messages as GenAI attributes.
import type { Attributes } from "@opentelemetry/api";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `gen_ai.input.messages` (and Anthropic's top-level `system` as `gen_ai.system_instructions`), JSON-encoded
 * as the conventions say. A body that is not JSON yields nothing: content capture never fails a request.
 */
export function inputMessagesAttributes(body: Buffer): Attributes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return {};
  }
  if (!isRecord(parsed)) return {};
  const attributes: Attributes = {};
  if (parsed.messages !== undefined) attributes["gen_ai.input.messages"] = JSON.stringify(parsed.messages);
  if (parsed.system !== undefined) attributes["gen_ai.system_instructions"] = JSON.stringify(parsed.system);
  return attributes;
}
