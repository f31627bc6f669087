// Writes a standard request as an Anthropic Messages request body, refusing what Anthropic cannot express.
import type { ProxyError } from "../../errors/proxy-error.ts";
import type {
  StandardImagePart,
  StandardMessage,
  StandardPart,
  StandardReasoningOptions,
  StandardRequest,
  StandardTextPart,
} from "../../schema/standard-request.ts";
import { conversionUnsupported } from "../conversion-unsupported.ts";
import { anthropicToolInput } from "./anthropic-tool-input.ts";

/**
 * Anthropic requires `max_tokens`; OpenAI clients often leave it out. 4096 is within every current Claude
 * model's output limit (Claude 3 Haiku's is exactly 4096), so it never makes a request invalid.
 */
export const anthropicDefaultMaxTokens = 4096;

/** Thinking budgets for OpenAI's `reasoning_effort` levels (Anthropic's minimum budget is 1024). */
const budgetForEffort = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

export interface StandardToAnthropicOptions {
  /** `max_tokens` when the client gave none; defaults to {@link anthropicDefaultMaxTokens}. */
  readonly defaultMaxTokens?: number;
}

type AnthropicBlock = Record<string, unknown>;

function refuse(field: string, detail?: string): ProxyError {
  return conversionUnsupported(field, "anthropic", "to", detail);
}

function imageBlock(part: StandardImagePart): AnthropicBlock {
  // `detail` is OpenAI's resolution/cost hint; Claude sizes images itself, so it is not carried.
  if (part.source.kind === "base64") {
    return {
      type: "image",
      source: { type: "base64", media_type: part.source.mediaType, data: part.source.data },
    };
  }
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(part.source.url);
  if (dataUrl !== null) {
    return { type: "image", source: { type: "base64", media_type: dataUrl[1], data: dataUrl[2] } };
  }
  return { type: "image", source: { type: "url", url: part.source.url } };
}

function textBlock(part: StandardTextPart): AnthropicBlock {
  return { type: "text", text: part.text };
}

function block(part: StandardPart, field: string): AnthropicBlock | undefined {
  switch (part.type) {
    case "text":
      return textBlock(part);
    case "image":
      return imageBlock(part);
    case "tool-call":
      return {
        type: "tool_use",
        id: part.id,
        name: part.name,
        input: anthropicToolInput(part.arguments, `${field}.arguments`),
      };
    case "tool-result": {
      const content = part.content.map((inner) =>
        inner.type === "text" ? textBlock(inner) : imageBlock(inner),
      );
      return {
        type: "tool_result",
        tool_use_id: part.toolCallId,
        content,
        ...(part.isError === true ? { is_error: true } : {}),
      };
    }
    case "reasoning":
      if (part.redacted !== undefined) return { type: "redacted_thinking", data: part.redacted };
      // Anthropic verifies thinking signatures and ignores earlier turns' thinking anyway: reasoning
      // from another provider (DeepSeek `reasoning_content`) carries none, so it cannot be replayed.
      if (part.signature === undefined) return undefined;
      return { type: "thinking", thinking: part.text, signature: part.signature };
  }
}

function messages(request: StandardRequest): Record<string, unknown>[] {
  const result: { role: string; content: AnthropicBlock[] }[] = [];
  request.messages.forEach((message: StandardMessage, messageIndex) => {
    const content: AnthropicBlock[] = [];
    message.parts.forEach((part, partIndex) => {
      const written = block(part, `messages[${messageIndex}].parts[${partIndex}]`);
      if (written !== undefined) content.push(written);
    });
    const previous = result.at(-1);
    // OpenAI's separate `tool` messages arrive as consecutive user turns: Anthropic wants one turn.
    if (previous !== undefined && previous.role === message.role) previous.content.push(...content);
    else if (content.length > 0 || message.parts.length === 0) result.push({ role: message.role, content });
  });
  return result;
}

function thinking(reasoning: StandardReasoningOptions | undefined): Record<string, unknown> | undefined {
  if (reasoning === undefined) return undefined;
  if (!reasoning.enabled) return { type: "disabled" };
  const budget = reasoning.budgetTokens ?? budgetForEffort[reasoning.effort ?? "medium"];
  return { type: "enabled", budget_tokens: Math.max(1024, budget) };
}

function toolChoice(request: StandardRequest): Record<string, unknown> | undefined {
  const disableParallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const choice = request.toolChoice;
  if (choice === undefined)
    return request.parallelToolCalls === false ? { type: "auto", ...disableParallel } : undefined;
  switch (choice.type) {
    case "auto":
      return { type: "auto", ...disableParallel };
    case "required":
      return { type: "any", ...disableParallel };
    case "none":
      return { type: "none" };
    case "tool":
      return { type: "tool", name: choice.name, ...disableParallel };
  }
}

/** Builds the Anthropic Messages body (a plain object; the caller serializes it). */
export function standardToAnthropicRequest(
  request: StandardRequest,
  options: StandardToAnthropicOptions = {},
): Record<string, unknown> {
  if (request.temperature !== undefined && request.temperature > 1) {
    throw refuse("temperature", "Anthropic accepts 0 to 1");
  }
  const thinkingBlock = thinking(request.reasoning);
  const budget = typeof thinkingBlock?.budget_tokens === "number" ? thinkingBlock.budget_tokens : 0;
  // The thinking budget counts against max_tokens, which must exceed it.
  const defaultMaxTokens = options.defaultMaxTokens ?? anthropicDefaultMaxTokens;
  const maxTokens =
    request.maxTokens ?? (budget > 0 ? Math.max(defaultMaxTokens, budget + 1024) : defaultMaxTokens);
  const system = request.system;
  const choice = toolChoice(request);
  return {
    model: request.model,
    ...(system === undefined || system.length === 0
      ? {}
      : { system: system.length === 1 && system[0] !== undefined ? system[0].text : system.map(textBlock) }),
    messages: messages(request),
    max_tokens: maxTokens,
    ...(request.stop === undefined ? {} : { stop_sequences: [...request.stop] }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.topK === undefined ? {} : { top_k: request.topK }),
    ...(request.tools === undefined
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
            input_schema: tool.parameters,
            ...(tool.strict === undefined ? {} : { strict: tool.strict }),
          })),
        }),
    ...(choice === undefined ? {} : { tool_choice: choice }),
    ...(thinkingBlock === undefined ? {} : { thinking: thinkingBlock }),
    ...(request.metadata?.user === undefined ? {} : { metadata: { user_id: request.metadata.user } }),
    ...(request.stream ? { stream: true } : {}),
  };
}
