// Writes a standard (non-streaming) response as a Chat Completions JSON body (`chat.completion`).
import { randomUUID } from "node:crypto";
import type { StandardResponse } from "../../schema/standard-response.ts";
import { standardToOpenAIFinishReason } from "./standard-to-openai-finish-reason.ts";
import { standardToOpenAIUsage } from "./standard-to-openai-usage.ts";

export interface StandardToOpenAIResponseOptions {
  /** Used when the response names no model. */
  readonly model?: string;
  /** Epoch milliseconds, for `created`. */
  readonly now?: () => number;
  readonly randomId?: () => string;
}

export function standardToOpenAIResponse(
  response: StandardResponse,
  options: StandardToOpenAIResponseOptions = {},
): Record<string, unknown> {
  const randomId = options.randomId ?? (() => randomUUID().replaceAll("-", ""));
  const now = options.now ?? Date.now;
  let text = "";
  let reasoning = "";
  let sawText = false;
  const toolCalls: Record<string, unknown>[] = [];
  for (const part of response.parts) {
    if (part.type === "text") {
      // Chat Completions has one content string: Anthropic's separate text blocks are joined as streamed.
      text += part.text;
      sawText = true;
    } else if (part.type === "reasoning") {
      // The readable text travels as DeepSeek's `reasoning_content`; signatures have no place here.
      reasoning += part.text;
    } else {
      toolCalls.push({
        id: part.id,
        type: "function",
        // A call without arguments is `{}` as OpenAI sends it: `""` is not JSON.
        function: { name: part.name, arguments: part.arguments === "" ? "{}" : part.arguments },
      });
    }
  }
  return {
    id: response.id ?? `chatcmpl-${randomId()}`,
    object: "chat.completion",
    created: Math.floor(now() / 1000),
    model: response.model ?? options.model ?? "unknown",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: sawText ? text : null,
          ...(reasoning === "" ? {} : { reasoning_content: reasoning }),
          ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
          refusal: null,
        },
        logprobs: null,
        finish_reason: standardToOpenAIFinishReason(response.finishReason, response.rawFinishReason),
      },
    ],
    usage: standardToOpenAIUsage(response.usage),
  };
}
