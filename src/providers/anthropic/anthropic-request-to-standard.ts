// Reads an Anthropic Messages request body into the standard request, refusing what has no standard form.
import { ProxyError } from "../../errors/proxy-error.ts";
import type {
  StandardImagePart,
  StandardMessage,
  StandardPart,
  StandardReasoningOptions,
  StandardRequest,
  StandardTextPart,
  StandardTool,
  StandardToolChoice,
} from "../../schema/standard-request.ts";
import { conversionUnsupported, isRecord } from "../conversion-unsupported.ts";

/**
 * Fields read below. `cache_control` on blocks and tools is accepted and not carried: it is a
 * pricing hint with no effect on the answer, and OpenAI-dialect providers cache prompts on their own.
 */
const knownFields = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
]);

/** Tool keys that convert; `eager_input_streaming` only changes how input is chunked, not what it is. */
const toolFields = new Set([
  "type",
  "name",
  "description",
  "input_schema",
  "strict",
  "cache_control",
  "eager_input_streaming",
]);

function refuse(field: string, detail?: string): ProxyError {
  return conversionUnsupported(field, "anthropic", "from", detail);
}

function invalid(field: string, expected: string): ProxyError {
  return new ProxyError("bad_request", `Invalid request: \`${field}\` must be ${expected}.`);
}

function readNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(field, "a number");
  return value;
}

function readString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(field, "a string");
  return value;
}

function readText(block: Record<string, unknown>, field: string): StandardTextPart {
  if (block.citations !== undefined && block.citations !== null) throw refuse(`${field}.citations`);
  return { type: "text", text: readString(block.text, `${field}.text`) };
}

function readImage(block: Record<string, unknown>, field: string): StandardImagePart {
  const source = block.source;
  if (!isRecord(source)) throw invalid(`${field}.source`, "an object");
  if (source.type === "base64") {
    return {
      type: "image",
      source: {
        kind: "base64",
        mediaType: readString(source.media_type, `${field}.source.media_type`),
        data: readString(source.data, `${field}.source.data`),
      },
    };
  }
  if (source.type === "url") {
    return { type: "image", source: { kind: "url", url: readString(source.url, `${field}.source.url`) } };
  }
  throw refuse(`${field}.source.type`, `image source '${String(source.type)}'`);
}

function readToolResultContent(value: unknown, field: string): (StandardTextPart | StandardImagePart)[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [{ type: "text", text: value }];
  if (!Array.isArray(value)) throw invalid(field, "a string or an array of blocks");
  return value.map((block: unknown, index) => {
    const blockField = `${field}[${index}]`;
    if (!isRecord(block)) throw invalid(blockField, "an object");
    if (block.type === "text") return readText(block, blockField);
    if (block.type === "image") return readImage(block, blockField);
    throw refuse(`${blockField}.type`, `'${String(block.type)}' in a tool result`);
  });
}

function readBlock(block: unknown, field: string): StandardPart {
  if (!isRecord(block)) throw invalid(field, "an object");
  switch (block.type) {
    case "text":
      return readText(block, field);
    case "image":
      return readImage(block, field);
    case "tool_use":
      return {
        type: "tool-call",
        id: readString(block.id, `${field}.id`),
        name: readString(block.name, `${field}.name`),
        arguments: JSON.stringify(block.input ?? {}),
      };
    case "tool_result":
      return {
        type: "tool-result",
        toolCallId: readString(block.tool_use_id, `${field}.tool_use_id`),
        content: readToolResultContent(block.content, `${field}.content`),
        ...(block.is_error === true ? { isError: true } : {}),
      };
    case "thinking":
      return {
        type: "reasoning",
        text: readString(block.thinking, `${field}.thinking`),
        ...(typeof block.signature === "string" && block.signature !== ""
          ? { signature: block.signature }
          : {}),
      };
    case "redacted_thinking":
      return { type: "reasoning", text: "", redacted: readString(block.data, `${field}.data`) };
    default:
      throw refuse(`${field}.type`, `content block '${String(block.type)}'`);
  }
}

function readContent(content: unknown, field: string): StandardPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(field, "a string or an array of content blocks");
  return content.map((block: unknown, index) => readBlock(block, `${field}[${index}]`));
}

function readSystem(system: unknown): StandardTextPart[] | undefined {
  if (system === undefined) return undefined;
  if (typeof system === "string") return [{ type: "text", text: system }];
  if (!Array.isArray(system)) throw invalid("system", "a string or an array of text blocks");
  return system.map((block: unknown, index) => {
    const field = `system[${index}]`;
    if (!isRecord(block) || block.type !== "text")
      throw refuse(`${field}.type`, "only text system blocks convert");
    return readText(block, field);
  });
}

function readMessages(messages: unknown): StandardMessage[] {
  if (!Array.isArray(messages)) throw invalid("messages", "an array");
  return messages.map((message: unknown, index) => {
    const field = `messages[${index}]`;
    if (!isRecord(message)) throw invalid(field, "an object");
    const role = message.role;
    if (role !== "user" && role !== "assistant" && role !== "system")
      throw invalid(`${field}.role`, "user or assistant");
    return { role, parts: readContent(message.content, `${field}.content`) };
  });
}

function readTools(tools: unknown): StandardTool[] | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) throw invalid("tools", "an array");
  return tools.map((tool: unknown, index) => {
    const field = `tools[${index}]`;
    if (!isRecord(tool)) throw invalid(field, "an object");
    // Server tools (web search, code execution, …) run inside Anthropic; no other provider runs them.
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      throw refuse(`${field}.type`, `tool '${String(tool.type)}'`);
    }
    for (const key of Object.keys(tool)) {
      if (!toolFields.has(key) && tool[key] !== null && tool[key] !== undefined)
        throw refuse(`${field}.${key}`);
    }
    if (!isRecord(tool.input_schema)) throw invalid(`${field}.input_schema`, "an object");
    return {
      name: readString(tool.name, `${field}.name`),
      ...(typeof tool.description === "string" ? { description: tool.description } : {}),
      parameters: tool.input_schema,
      ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {}),
    };
  });
}

function readToolChoice(choice: unknown): { toolChoice?: StandardToolChoice; parallelToolCalls?: boolean } {
  if (choice === undefined) return {};
  if (!isRecord(choice)) throw invalid("tool_choice", "an object");
  const parallel = choice.disable_parallel_tool_use === true ? { parallelToolCalls: false } : {};
  switch (choice.type) {
    case "auto":
      return { toolChoice: { type: "auto" }, ...parallel };
    case "any":
      return { toolChoice: { type: "required" }, ...parallel };
    case "none":
      return { toolChoice: { type: "none" }, ...parallel };
    case "tool":
      return { toolChoice: { type: "tool", name: readString(choice.name, "tool_choice.name") }, ...parallel };
    default:
      throw refuse("tool_choice.type", `'${String(choice.type)}'`);
  }
}

function readThinking(thinking: unknown): StandardReasoningOptions | undefined {
  if (thinking === undefined || thinking === null) return undefined;
  if (!isRecord(thinking)) throw invalid("thinking", "an object");
  if (thinking.type === "disabled") return { enabled: false };
  if (thinking.type === "enabled" || thinking.type === "adaptive") {
    const budget = readNumber(thinking.budget_tokens, "thinking.budget_tokens");
    return { enabled: true, ...(budget === undefined ? {} : { budgetTokens: budget }) };
  }
  throw refuse("thinking.type", `'${String(thinking.type)}'`);
}

function readMetadata(metadata: unknown): { user?: string } | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (!isRecord(metadata)) throw invalid("metadata", "an object");
  for (const key of Object.keys(metadata)) if (key !== "user_id") throw refuse(`metadata.${key}`);
  return typeof metadata.user_id === "string" ? { user: metadata.user_id } : {};
}

/** Parses an Anthropic Messages request body (already JSON-parsed) into a StandardRequest. */
export function anthropicRequestToStandard(body: unknown): StandardRequest {
  if (!isRecord(body)) throw invalid("body", "a JSON object");
  for (const key of Object.keys(body)) if (!knownFields.has(key) && body[key] !== null) throw refuse(key);
  const system = readSystem(body.system);
  const tools = readTools(body.tools);
  const reasoning = readThinking(body.thinking);
  const metadata = readMetadata(body.metadata);
  const maxTokens = readNumber(body.max_tokens, "max_tokens");
  const temperature = readNumber(body.temperature, "temperature");
  const topP = readNumber(body.top_p, "top_p");
  const topK = readNumber(body.top_k, "top_k");
  let stop: string[] | undefined;
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    if (!Array.isArray(body.stop_sequences)) throw invalid("stop_sequences", "an array of strings");
    stop = body.stop_sequences.map((value: unknown, index) => readString(value, `stop_sequences[${index}]`));
  }
  return {
    model: readString(body.model, "model"),
    ...(system === undefined ? {} : { system }),
    messages: readMessages(body.messages),
    ...(tools === undefined ? {} : { tools }),
    ...readToolChoice(body.tool_choice),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(topK === undefined ? {} : { topK }),
    ...(stop === undefined ? {} : { stop }),
    stream: body.stream === true,
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(metadata === undefined ? {} : { metadata }),
  };
}
