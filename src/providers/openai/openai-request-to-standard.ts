// Reads an OpenAI Chat Completions request body into the standard request, refusing what has no standard form.
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
 * Fields that convert. A field outside this list is refused unless it holds its default value
 * (`defaults` below). `prompt_cache_key` is accepted and not carried: a caching hint with no effect on the answer.
 */
const knownFields = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stop",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "user",
  "safety_identifier",
  "reasoning_effort",
  "thinking",
  "prompt_cache_key",
]);

/** Fields accepted only with the value that means "not used". */
const defaults: Record<string, (value: unknown) => boolean> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  store: (value) => value === false,
  frequency_penalty: (value) => value === 0,
  presence_penalty: (value) => value === 0,
  modalities: (value) => Array.isArray(value) && value.length === 1 && value[0] === "text",
  response_format: (value) => isRecord(value) && value.type === "text",
  service_tier: (value) => value === "auto",
  metadata: (value) => isRecord(value) && Object.keys(value).length === 0,
  logit_bias: (value) => isRecord(value) && Object.keys(value).length === 0,
};

function refuse(field: string, detail?: string): ProxyError {
  return conversionUnsupported(field, "openai", "from", detail);
}

function invalid(field: string, expected: string): ProxyError {
  return new ProxyError("bad_request", `Invalid request: \`${field}\` must be ${expected}.`);
}

function readString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(field, "a string");
  return value;
}

function readNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(field, "a number");
  return value;
}

function readImage(part: Record<string, unknown>, field: string): StandardImagePart {
  const image = part.image_url;
  if (!isRecord(image)) throw invalid(`${field}.image_url`, "an object");
  const url = readString(image.url, `${field}.image_url.url`);
  const detail = typeof image.detail === "string" ? { detail: image.detail } : {};
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl?.[1] !== undefined && dataUrl[2] !== undefined) {
    return { type: "image", source: { kind: "base64", mediaType: dataUrl[1], data: dataUrl[2] }, ...detail };
  }
  return { type: "image", source: { kind: "url", url }, ...detail };
}

/** Message content: a string or parts; `allowImages` is false where OpenAI itself allows only text. */
function readContent(
  content: unknown,
  field: string,
  allowImages: boolean,
): (StandardTextPart | StandardImagePart)[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(field, "a string or an array of content parts");
  return content.map((part: unknown, index) => {
    const partField = `${field}[${index}]`;
    if (!isRecord(part)) throw invalid(partField, "an object");
    if (part.type === "text") return { type: "text", text: readString(part.text, `${partField}.text`) };
    if (part.type === "image_url" && allowImages) return readImage(part, partField);
    throw refuse(`${partField}.type`, `content part '${String(part.type)}'`);
  });
}

function readAssistant(message: Record<string, unknown>, field: string): StandardPart[] {
  for (const key of ["audio", "function_call", "refusal"]) {
    if (message[key] !== undefined && message[key] !== null) throw refuse(`${field}.${key}`);
  }
  const parts: StandardPart[] = [];
  if (typeof message.reasoning_content === "string" && message.reasoning_content !== "") {
    parts.push({ type: "reasoning", text: message.reasoning_content });
  }
  parts.push(...readContent(message.content, `${field}.content`, false));
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls)) throw invalid(`${field}.tool_calls`, "an array");
    message.tool_calls.forEach((call: unknown, index) => {
      const callField = `${field}.tool_calls[${index}]`;
      if (!isRecord(call)) throw invalid(callField, "an object");
      if (call.type !== undefined && call.type !== "function") throw refuse(`${callField}.type`);
      if (!isRecord(call.function)) throw invalid(`${callField}.function`, "an object");
      parts.push({
        type: "tool-call",
        id: readString(call.id, `${callField}.id`),
        name: readString(call.function.name, `${callField}.function.name`),
        arguments: typeof call.function.arguments === "string" ? call.function.arguments : "",
      });
    });
  }
  return parts;
}

function onlyToolResults(message: StandardMessage | undefined): message is StandardMessage {
  return message?.role === "user" && message.parts.every((part) => part.type === "tool-result");
}

function readMessages(messages: unknown): { system: StandardTextPart[]; messages: StandardMessage[] } {
  if (!Array.isArray(messages)) throw invalid("messages", "an array");
  const system: StandardTextPart[] = [];
  const result: { role: StandardMessage["role"]; parts: StandardPart[] }[] = [];
  messages.forEach((message: unknown, index) => {
    const field = `messages[${index}]`;
    if (!isRecord(message)) throw invalid(field, "an object");
    if (typeof message.name === "string") throw refuse(`${field}.name`, "participant names");
    const role = message.role;
    if (role === "system" || role === "developer") {
      const text = readContent(message.content, `${field}.content`, false) as StandardTextPart[];
      // Leading instructions are the system prompt; later ones stay in place as system turns.
      if (result.length === 0) system.push(...text);
      else result.push({ role: "system", parts: text });
    } else if (role === "user") {
      const parts = readContent(message.content, `${field}.content`, true);
      const previous = result.at(-1);
      // Text after tool results joins their turn: Anthropic puts both in one user message.
      if (onlyToolResults(previous) && previous.parts.length > 0) previous.parts.push(...parts);
      else result.push({ role: "user", parts });
    } else if (role === "assistant") {
      result.push({ role: "assistant", parts: readAssistant(message, field) });
    } else if (role === "tool") {
      const part: StandardPart = {
        type: "tool-result",
        toolCallId: readString(message.tool_call_id, `${field}.tool_call_id`),
        content: readContent(message.content, `${field}.content`, false),
      };
      const previous = result.at(-1);
      if (onlyToolResults(previous)) previous.parts.push(part);
      else result.push({ role: "user", parts: [part] });
    } else {
      throw refuse(`${field}.role`, `role '${String(role)}'`);
    }
  });
  return { system, messages: result };
}

function readTools(tools: unknown): StandardTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid("tools", "an array");
  return tools.map((tool: unknown, index) => {
    const field = `tools[${index}]`;
    if (!isRecord(tool)) throw invalid(field, "an object");
    if (tool.type !== "function") throw refuse(`${field}.type`, `tool type '${String(tool.type)}'`);
    const definition = tool.function;
    if (!isRecord(definition)) throw invalid(`${field}.function`, "an object");
    const parameters = definition.parameters ?? { type: "object", properties: {} };
    if (!isRecord(parameters)) throw invalid(`${field}.function.parameters`, "an object");
    return {
      name: readString(definition.name, `${field}.function.name`),
      ...(typeof definition.description === "string" ? { description: definition.description } : {}),
      parameters,
      ...(typeof definition.strict === "boolean" ? { strict: definition.strict } : {}),
    };
  });
}

function readToolChoice(choice: unknown): StandardToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "none" || choice === "required") return { type: choice };
  if (isRecord(choice) && choice.type === "function" && isRecord(choice.function)) {
    return { type: "tool", name: readString(choice.function.name, "tool_choice.function.name") };
  }
  throw refuse("tool_choice", isRecord(choice) ? `'${String(choice.type)}'` : undefined);
}

function readReasoning(effort: unknown, thinking: unknown): StandardReasoningOptions | undefined {
  // DeepSeek's own switch, `thinking: {type: "enabled" | "disabled"}`, says on or off without a level.
  if (thinking !== undefined && thinking !== null) {
    if (!isRecord(thinking) || (thinking.type !== "enabled" && thinking.type !== "disabled")) {
      throw refuse("thinking.type");
    }
    if (effort === undefined || effort === null) return { enabled: thinking.type === "enabled" };
  }
  if (effort === undefined || effort === null) return undefined;
  if (effort === "none") return { enabled: false };
  if (effort === "minimal" || effort === "low" || effort === "medium" || effort === "high") {
    return { enabled: true, effort };
  }
  throw refuse("reasoning_effort", `'${String(effort)}'`);
}

function readStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === "string") return [stop];
  if (!Array.isArray(stop)) throw invalid("stop", "a string or an array of strings");
  return stop.map((value: unknown, index) => readString(value, `stop[${index}]`));
}

function readStreamUsage(options: unknown): boolean | undefined {
  if (options === undefined || options === null) return undefined;
  if (!isRecord(options)) throw invalid("stream_options", "an object");
  for (const key of Object.keys(options)) {
    // `include_obfuscation` only pads chunks against side channels; the answer is the same without it.
    if (key !== "include_usage" && key !== "include_obfuscation") throw refuse(`stream_options.${key}`);
  }
  return options.include_usage === true;
}

/** Parses an OpenAI Chat Completions request body (already JSON-parsed) into a StandardRequest. */
export function openaiRequestToStandard(body: unknown): StandardRequest {
  if (!isRecord(body)) throw invalid("body", "a JSON object");
  for (const [key, value] of Object.entries(body)) {
    if (knownFields.has(key) || value === null || value === undefined) continue;
    const isDefault = defaults[key];
    if (isDefault === undefined || !isDefault(value)) throw refuse(key);
  }
  const { system, messages } = readMessages(body.messages);
  const tools = readTools(body.tools);
  const toolChoice = readToolChoice(body.tool_choice);
  const maxTokens =
    readNumber(body.max_completion_tokens, "max_completion_tokens") ??
    readNumber(body.max_tokens, "max_tokens");
  const temperature = readNumber(body.temperature, "temperature");
  const topP = readNumber(body.top_p, "top_p");
  const stop = readStop(body.stop);
  const streamUsage = readStreamUsage(body.stream_options);
  const reasoning = readReasoning(body.reasoning_effort, body.thinking);
  const user = typeof body.user === "string" ? body.user : body.safety_identifier;
  return {
    model: readString(body.model, "model"),
    ...(system.length === 0 ? {} : { system }),
    messages,
    ...(tools === undefined ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(typeof body.parallel_tool_calls === "boolean" ? { parallelToolCalls: body.parallel_tool_calls } : {}),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(stop === undefined ? {} : { stop }),
    stream: body.stream === true,
    ...(streamUsage === undefined ? {} : { streamUsage }),
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(typeof user === "string" ? { metadata: { user } } : {}),
  };
}
