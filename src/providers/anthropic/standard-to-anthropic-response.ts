// Writes a standard (non-streaming) response as an Anthropic Messages JSON body.
import { randomUUID } from "node:crypto";
import type { StandardResponse, StandardResponsePart } from "../../schema/standard-response.ts";
import { anthropicToolInput } from "./anthropic-tool-input.ts";
import { standardToAnthropicStopReason } from "./standard-to-anthropic-stop-reason.ts";
import { standardToAnthropicUsage } from "./standard-to-anthropic-usage.ts";

export interface StandardToAnthropicResponseOptions {
  /** Used when the response names no model. */
  readonly model?: string;
  readonly randomId?: () => string;
}

function contentBlock(part: StandardResponsePart, index: number): Record<string, unknown> {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text };
    case "reasoning":
      if (part.redacted !== undefined) return { type: "redacted_thinking", data: part.redacted };
      // Reasoning from a provider without signatures gets an empty one: readable, not replayable to Anthropic.
      return { type: "thinking", thinking: part.text, signature: part.signature ?? "" };
    case "tool-call":
      return {
        type: "tool_use",
        id: part.id,
        name: part.name,
        input: anthropicToolInput(part.arguments, `content[${index}].input`),
      };
  }
}

export function standardToAnthropicResponse(
  response: StandardResponse,
  options: StandardToAnthropicResponseOptions = {},
): Record<string, unknown> {
  const randomId = options.randomId ?? (() => randomUUID().replaceAll("-", ""));
  return {
    id: response.id ?? `msg_${randomId()}`,
    type: "message",
    role: "assistant",
    model: response.model ?? options.model ?? "unknown",
    content: response.parts.map(contentBlock),
    stop_reason: standardToAnthropicStopReason(response.finishReason, response.rawFinishReason),
    stop_sequence: null,
    usage: standardToAnthropicUsage(response.usage),
  };
}
