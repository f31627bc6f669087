// Writes a standard request as an OpenAI Chat Completions body (DeepSeek flavour where the model says so).
import type { ProxyError } from "../../errors/proxy-error.ts";
import type {
  StandardImagePart,
  StandardMessage,
  StandardPart,
  StandardRequest,
  StandardTextPart,
} from "../../schema/standard-request.ts";
import { conversionUnsupported } from "../conversion-unsupported.ts";

export interface StandardToOpenAIOptions {
  /**
   * DeepSeek takes `max_tokens` and `thinking: {type}`; OpenAI takes `max_completion_tokens` (reasoning
   * models reject `max_tokens`) and `reasoning_effort`. Defaults to DeepSeek when the model is `deepseek-*`.
   */
  readonly flavour?: "openai" | "deepseek";
}

type OpenAIMessage = Record<string, unknown>;
type Flavour = "openai" | "deepseek";

function refuse(field: string, detail?: string): ProxyError {
  return conversionUnsupported(field, "openai", "to", detail);
}

function imagePart(part: StandardImagePart): Record<string, unknown> {
  const url =
    part.source.kind === "url" ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  return {
    type: "image_url",
    image_url: { url, ...(part.detail === undefined ? {} : { detail: part.detail }) },
  };
}

/** A single text part travels as a plain string, which every OpenAI-compatible provider accepts. */
function content(parts: readonly (StandardTextPart | StandardImagePart)[]): unknown {
  if (parts.length === 0) return "";
  if (parts.length === 1 && parts[0]?.type === "text") return parts[0].text;
  return parts.map((part) => (part.type === "text" ? { type: "text", text: part.text } : imagePart(part)));
}

function textOnly(parts: readonly StandardPart[], field: string): StandardTextPart[] {
  return parts.map((part, index) => {
    if (part.type !== "text") throw refuse(`${field}[${index}]`, `a ${part.type} part here`);
    return part;
  });
}

function userMessages(message: StandardMessage, field: string): OpenAIMessage[] {
  const result: OpenAIMessage[] = [];
  let pending: (StandardTextPart | StandardImagePart)[] = [];
  const flush = (): void => {
    if (pending.length > 0) result.push({ role: "user", content: content(pending) });
    pending = [];
  };
  message.parts.forEach((part, index) => {
    const partField = `${field}[${index}]`;
    if (part.type === "text" || part.type === "image") pending.push(part);
    else if (part.type === "tool-result") {
      // Each Anthropic tool_result becomes its own `role: tool` message, in order.
      flush();
      const text = part.content.map((inner, innerIndex) => {
        if (inner.type !== "text")
          throw refuse(`${partField}.content[${innerIndex}]`, "images in tool results");
        return inner;
      });
      if (part.isError === true) throw refuse(`${partField}.is_error`, "tool errors");
      result.push({ role: "tool", tool_call_id: part.toolCallId, content: content(text) });
    } else throw refuse(partField, `a ${part.type} part in a user message`);
  });
  flush();
  if (message.parts.length === 0) result.push({ role: "user", content: "" });
  return result;
}

function assistantMessage(message: StandardMessage, field: string, flavour: Flavour): OpenAIMessage {
  const text: StandardTextPart[] = [];
  const reasoning: string[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  message.parts.forEach((part, index) => {
    if (part.type === "text") text.push(part);
    // Signatures and redacted reasoning are Anthropic's alone; the readable text travels as DeepSeek's
    // field. OpenAI's Chat Completions takes no earlier reasoning back (its models keep it server-side).
    else if (part.type === "reasoning") {
      if (flavour === "deepseek") reasoning.push(part.text);
    } else if (part.type === "tool-call") {
      toolCalls.push({
        id: part.id,
        type: "function",
        // A call without arguments is `{}` as OpenAI sends it: `""` is not JSON.
        function: { name: part.name, arguments: part.arguments === "" ? "{}" : part.arguments },
      });
    } else throw refuse(`${field}[${index}]`, `a ${part.type} part in an assistant message`);
  });
  const joined = reasoning.join("");
  return {
    role: "assistant",
    content: text.length === 0 ? null : content(text),
    ...(joined === "" ? {} : { reasoning_content: joined }),
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
  };
}

function messages(request: StandardRequest, flavour: Flavour): OpenAIMessage[] {
  const result: OpenAIMessage[] = [];
  if (request.system !== undefined && request.system.length > 0) {
    result.push({ role: "system", content: content(request.system) });
  }
  request.messages.forEach((message, index) => {
    const field = `messages[${index}].parts`;
    if (message.role === "user") result.push(...userMessages(message, field));
    else if (message.role === "assistant") result.push(assistantMessage(message, field, flavour));
    else result.push({ role: "system", content: content(textOnly(message.parts, field)) });
  });
  return result;
}

function toolChoice(request: StandardRequest): unknown {
  const choice = request.toolChoice;
  if (choice === undefined) return undefined;
  if (choice.type === "tool") return { type: "function", function: { name: choice.name } };
  return choice.type;
}

function effortForBudget(budget: number): "low" | "medium" | "high" {
  if (budget <= 4096) return "low";
  if (budget <= 16384) return "medium";
  return "high";
}

function reasoningFields(request: StandardRequest, flavour: Flavour): Record<string, unknown> {
  const reasoning = request.reasoning;
  if (reasoning === undefined) return {};
  if (flavour === "deepseek") return { thinking: { type: reasoning.enabled ? "enabled" : "disabled" } };
  if (!reasoning.enabled) return { reasoning_effort: "none" };
  const effort =
    reasoning.effort ??
    (reasoning.budgetTokens === undefined ? "medium" : effortForBudget(reasoning.budgetTokens));
  return { reasoning_effort: effort };
}

/** Builds the Chat Completions body (a plain object; the caller serializes it). */
export function standardToOpenAIRequest(
  request: StandardRequest,
  options: StandardToOpenAIOptions = {},
): Record<string, unknown> {
  if (request.topK !== undefined) throw refuse("top_k");
  const flavour = options.flavour ?? (/^deepseek/i.test(request.model) ? "deepseek" : "openai");
  const choice = toolChoice(request);
  const maxTokensField = flavour === "deepseek" ? "max_tokens" : "max_completion_tokens";
  return {
    model: request.model,
    messages: messages(request, flavour),
    ...(request.maxTokens === undefined ? {} : { [maxTokensField]: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.stop === undefined ? {} : { stop: [...request.stop] }),
    ...(request.tools === undefined
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: "function",
            function: {
              name: tool.name,
              ...(tool.description === undefined ? {} : { description: tool.description }),
              parameters: tool.parameters,
              ...(tool.strict === undefined ? {} : { strict: tool.strict }),
            },
          })),
        }),
    ...(choice === undefined ? {} : { tool_choice: choice }),
    ...(request.parallelToolCalls === undefined ? {} : { parallel_tool_calls: request.parallelToolCalls }),
    ...reasoningFields(request, flavour),
    ...(request.metadata?.user === undefined ? {} : { user: request.metadata.user }),
    // Usage is always asked for when streaming: an Anthropic client needs it, and the converter drops it
    // again for an OpenAI client that did not ask.
    ...(request.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}
