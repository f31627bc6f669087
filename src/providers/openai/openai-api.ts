// OpenAI Chat Completions wire types (DeepSeek and OpenAI-compatible fields included) and guards for responses.
import {
  arrayField,
  countField,
  isRecord,
  type JsonRecord,
  recordField,
  stringField,
} from "../../streaming/json-value.ts";

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
  /** DeepSeek's context-cache counters (hit + miss = prompt_tokens). */
  prompt_cache_hit_tokens?: number;
  prompt_cache_miss_tokens?: number;
}

/** One tool call fragment in a stream delta; every field but `index` may be absent after the first. */
export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface OpenAIChunkChoice {
  index: number;
  role?: string;
  content?: string;
  /** DeepSeek and xAI `reasoning_content`; some compatible servers call it `reasoning`. */
  reasoning?: string;
  refusal?: string;
  tool_calls: OpenAIToolCallDelta[];
  /** The deprecated `function_call` delta, read as a tool call. */
  function_call?: { name?: string; arguments?: string };
  finish_reason?: string;
}

export interface OpenAIChunk {
  id?: string;
  model?: string;
  choices: OpenAIChunkChoice[];
  usage?: OpenAIUsage;
}

export interface OpenAIToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface OpenAICompletionChoice {
  index: number;
  content?: string;
  reasoning?: string;
  refusal?: string;
  tool_calls: OpenAIToolCall[];
  finish_reason?: string;
}

export interface OpenAICompletion {
  id?: string;
  model?: string;
  choices: OpenAICompletionChoice[];
  usage?: OpenAIUsage;
}

export interface OpenAIErrorDetail {
  message: string;
  type?: string;
  param?: string;
  /** A string code (`model_not_found`); some gateways send the HTTP status as a number here. */
  code?: string | number;
}

export interface OpenAIErrorBody {
  error: OpenAIErrorDetail;
}

function detailCount(record: JsonRecord, key: string, inner: string): number | undefined {
  const details = recordField(record, key);
  return details === undefined ? undefined : countField(details, inner);
}

export function parseOpenAIUsage(value: unknown): OpenAIUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: OpenAIUsage = {};
  for (const key of [
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_cache_hit_tokens",
    "prompt_cache_miss_tokens",
  ] as const) {
    const count = countField(value, key);
    if (count !== undefined) usage[key] = count;
  }
  const cached = detailCount(value, "prompt_tokens_details", "cached_tokens");
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  const reasoning = detailCount(value, "completion_tokens_details", "reasoning_tokens");
  if (reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}

function reasoningOf(record: JsonRecord): string | undefined {
  return stringField(record, "reasoning_content") ?? stringField(record, "reasoning");
}

function parseToolCallDelta(value: unknown, position: number): OpenAIToolCallDelta | undefined {
  if (!isRecord(value)) return undefined;
  // Some compatible servers omit `index`; the position in the array is the best stand-in.
  const call: OpenAIToolCallDelta = { index: countField(value, "index") ?? position };
  const id = stringField(value, "id");
  const fn = recordField(value, "function");
  const name = fn === undefined ? undefined : stringField(fn, "name");
  const args = fn === undefined ? undefined : stringField(fn, "arguments");
  if (id !== undefined) call.id = id;
  if (name !== undefined) call.name = name;
  if (args !== undefined) call.arguments = args;
  return call;
}

function parseChunkChoice(value: unknown): OpenAIChunkChoice | undefined {
  if (!isRecord(value)) return undefined;
  const delta = recordField(value, "delta") ?? {};
  const choice: OpenAIChunkChoice = { index: countField(value, "index") ?? 0, tool_calls: [] };
  const role = stringField(delta, "role");
  const content = stringField(delta, "content");
  const reasoning = reasoningOf(delta);
  const refusal = stringField(delta, "refusal");
  const finish = stringField(value, "finish_reason");
  if (role !== undefined) choice.role = role;
  if (content !== undefined) choice.content = content;
  if (reasoning !== undefined) choice.reasoning = reasoning;
  if (refusal !== undefined) choice.refusal = refusal;
  if (finish !== undefined) choice.finish_reason = finish;
  (arrayField(delta, "tool_calls") ?? []).forEach((item, position) => {
    const call = parseToolCallDelta(item, position);
    if (call !== undefined) choice.tool_calls.push(call);
  });
  const functionCall = recordField(delta, "function_call");
  if (functionCall !== undefined) {
    choice.function_call = {};
    const name = stringField(functionCall, "name");
    const args = stringField(functionCall, "arguments");
    if (name !== undefined) choice.function_call.name = name;
    if (args !== undefined) choice.function_call.arguments = args;
  }
  return choice;
}

function readIdentity(value: JsonRecord, target: { id?: string; model?: string; usage?: OpenAIUsage }): void {
  const id = stringField(value, "id");
  const model = stringField(value, "model");
  const usage = parseOpenAIUsage(value.usage);
  if (id !== undefined) target.id = id;
  if (model !== undefined) target.model = model;
  if (usage !== undefined) target.usage = usage;
}

/** A `chat.completion.chunk`, or undefined when the value is not one (no `choices` array, no usage). */
export function parseOpenAIChunk(value: unknown): OpenAIChunk | undefined {
  if (!isRecord(value)) return undefined;
  const choices = arrayField(value, "choices");
  if (choices === undefined && !isRecord(value.usage)) return undefined;
  const chunk: OpenAIChunk = { choices: [] };
  readIdentity(value, chunk);
  for (const item of choices ?? []) {
    const choice = parseChunkChoice(item);
    if (choice !== undefined) chunk.choices.push(choice);
  }
  return chunk;
}

function parseToolCall(value: unknown): OpenAIToolCall | undefined {
  if (!isRecord(value)) return undefined;
  const fn = recordField(value, "function");
  const name = fn === undefined ? undefined : stringField(fn, "name");
  if (name === undefined) return undefined;
  return { id: stringField(value, "id") ?? "", name, arguments: (fn && stringField(fn, "arguments")) ?? "" };
}

/** A non-streaming `chat.completion` body, or undefined when the value is not one. */
export function parseOpenAICompletion(value: unknown): OpenAICompletion | undefined {
  if (!isRecord(value)) return undefined;
  const choices = arrayField(value, "choices");
  if (choices === undefined) return undefined;
  const completion: OpenAICompletion = { choices: [] };
  readIdentity(value, completion);
  for (const item of choices) {
    if (!isRecord(item)) continue;
    const message = recordField(item, "message") ?? {};
    const choice: OpenAICompletionChoice = { index: countField(item, "index") ?? 0, tool_calls: [] };
    const content = stringField(message, "content");
    const reasoning = reasoningOf(message);
    const refusal = stringField(message, "refusal");
    const finish = stringField(item, "finish_reason");
    if (content !== undefined) choice.content = content;
    if (reasoning !== undefined) choice.reasoning = reasoning;
    if (refusal !== undefined) choice.refusal = refusal;
    if (finish !== undefined) choice.finish_reason = finish;
    for (const call of arrayField(message, "tool_calls") ?? []) {
      const parsed = parseToolCall(call);
      if (parsed !== undefined) choice.tool_calls.push(parsed);
    }
    const legacy = parseToolCall({ function: message.function_call });
    if (legacy !== undefined) choice.tool_calls.push(legacy);
    completion.choices.push(choice);
  }
  return completion;
}

/** An error body `{"error":{message,type,param,code}}` (also sent as a stream event), or undefined. */
export function parseOpenAIErrorBody(value: unknown): OpenAIErrorBody | undefined {
  if (!isRecord(value)) return undefined;
  const error = value.error;
  // Some compatible servers send `{"error": "text"}`.
  if (typeof error === "string") return { error: { message: error } };
  if (!isRecord(error)) return undefined;
  const detail: OpenAIErrorDetail = {
    message: stringField(error, "message") ?? "The provider reported an error without a message.",
  };
  const type = stringField(error, "type");
  const param = stringField(error, "param");
  const code = error.code;
  if (type !== undefined) detail.type = type;
  if (param !== undefined) detail.param = param;
  if (typeof code === "string" || (typeof code === "number" && Number.isFinite(code))) detail.code = code;
  return { error: detail };
}
