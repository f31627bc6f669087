// Anthropic Messages API wire types for responses and stream events, and the guards that parse untrusted bodies.
import {
  arrayField,
  countField,
  isRecord,
  type JsonRecord,
  recordField,
  stringField,
} from "../../streaming/json-value.ts";

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** Content blocks the standard schema represents; any other block keeps only its `type`. */
export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature?: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "other"; wireType: string };

export interface AnthropicMessage {
  id?: string;
  model?: string;
  content: AnthropicContentBlock[];
  stop_reason?: string;
  usage: AnthropicUsage;
}

export type AnthropicDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "signature_delta"; signature: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "other"; wireType: string };

export interface AnthropicErrorDetail {
  type: string;
  message: string;
}

export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicContentBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; stop_reason?: string; usage: AnthropicUsage }
  | { type: "message_stop" }
  | { type: "ping" }
  | { type: "error"; error: AnthropicErrorDetail }
  | { type: "other"; wireType: string };

export interface AnthropicErrorBody {
  type: "error";
  error: AnthropicErrorDetail;
  request_id?: string;
}

export function parseAnthropicUsage(value: unknown): AnthropicUsage {
  if (!isRecord(value)) return {};
  const usage: AnthropicUsage = {};
  const input = countField(value, "input_tokens");
  const output = countField(value, "output_tokens");
  const cacheRead = countField(value, "cache_read_input_tokens");
  const cacheWrite = countField(value, "cache_creation_input_tokens");
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  if (cacheRead !== undefined) usage.cache_read_input_tokens = cacheRead;
  if (cacheWrite !== undefined) usage.cache_creation_input_tokens = cacheWrite;
  return usage;
}

export function parseAnthropicContentBlock(value: unknown): AnthropicContentBlock | undefined {
  if (!isRecord(value)) return undefined;
  const type = stringField(value, "type");
  if (type === undefined) return undefined;
  switch (type) {
    case "text":
      return { type, text: stringField(value, "text") ?? "" };
    case "thinking": {
      const signature = stringField(value, "signature");
      const block: AnthropicContentBlock = { type, thinking: stringField(value, "thinking") ?? "" };
      if (signature !== undefined && signature !== "") block.signature = signature;
      return block;
    }
    case "redacted_thinking":
      return { type, data: stringField(value, "data") ?? "" };
    case "tool_use": {
      const id = stringField(value, "id");
      const name = stringField(value, "name");
      if (id === undefined || name === undefined) return undefined;
      return { type, id, name, input: value.input ?? {} };
    }
    default:
      return { type: "other", wireType: type };
  }
}

/** A Messages response body (`type: "message"`), or undefined when the value is not one. */
export function parseAnthropicMessage(value: unknown): AnthropicMessage | undefined {
  if (!isRecord(value)) return undefined;
  const content = arrayField(value, "content");
  if (content === undefined) return undefined;
  const message: AnthropicMessage = { content: [], usage: parseAnthropicUsage(value.usage) };
  const id = stringField(value, "id");
  const model = stringField(value, "model");
  const stopReason = stringField(value, "stop_reason");
  if (id !== undefined) message.id = id;
  if (model !== undefined) message.model = model;
  if (stopReason !== undefined) message.stop_reason = stopReason;
  for (const item of content) {
    const block = parseAnthropicContentBlock(item);
    if (block !== undefined) message.content.push(block);
  }
  return message;
}

function parseDelta(value: JsonRecord): AnthropicDelta | undefined {
  const type = stringField(value, "type");
  if (type === undefined) return undefined;
  switch (type) {
    case "text_delta":
      return { type, text: stringField(value, "text") ?? "" };
    case "thinking_delta":
      return { type, thinking: stringField(value, "thinking") ?? "" };
    case "signature_delta":
      return { type, signature: stringField(value, "signature") ?? "" };
    case "input_json_delta":
      return { type, partial_json: stringField(value, "partial_json") ?? "" };
    default:
      return { type: "other", wireType: type };
  }
}

function parseErrorDetail(value: unknown): AnthropicErrorDetail {
  const detail = isRecord(value) ? value : {};
  return {
    type: stringField(detail, "type") ?? "api_error",
    message: stringField(detail, "message") ?? "Anthropic reported an error without a message.",
  };
}

/**
 * One stream event. `fallbackType` is the SSE `event:` name, used when the data lacks `type`.
 * Returns undefined when the value is not an object or a known event misses a required field.
 */
export function parseAnthropicStreamEvent(
  value: unknown,
  fallbackType?: string,
): AnthropicStreamEvent | undefined {
  if (!isRecord(value)) return undefined;
  const type = stringField(value, "type") ?? fallbackType;
  const index = countField(value, "index");
  switch (type) {
    case "message_start": {
      const message = recordField(value, "message");
      if (message === undefined) return undefined;
      return {
        type,
        message: parseAnthropicMessage({ content: [], ...message }) ?? { content: [], usage: {} },
      };
    }
    case "content_block_start": {
      const block = parseAnthropicContentBlock(value.content_block);
      if (index === undefined || block === undefined) return undefined;
      return { type, index, content_block: block };
    }
    case "content_block_delta": {
      const delta = recordField(value, "delta");
      const parsed = delta === undefined ? undefined : parseDelta(delta);
      if (index === undefined || parsed === undefined) return undefined;
      return { type, index, delta: parsed };
    }
    case "content_block_stop":
      return index === undefined ? undefined : { type, index };
    case "message_delta": {
      const delta = recordField(value, "delta");
      const stopReason = delta === undefined ? undefined : stringField(delta, "stop_reason");
      const event: AnthropicStreamEvent = { type, usage: parseAnthropicUsage(value.usage) };
      if (stopReason !== undefined) event.stop_reason = stopReason;
      return event;
    }
    case "message_stop":
    case "ping":
      return { type };
    case "error":
      return { type, error: parseErrorDetail(value.error) };
    case undefined:
      return undefined;
    default:
      return { type: "other", wireType: type };
  }
}

/** An error body (`{"type":"error","error":{type,message},"request_id"}`), or undefined. */
export function parseAnthropicErrorBody(value: unknown): AnthropicErrorBody | undefined {
  if (!isRecord(value) || stringField(value, "type") !== "error" || !isRecord(value.error)) return undefined;
  const body: AnthropicErrorBody = { type: "error", error: parseErrorDetail(value.error) };
  const requestId = stringField(value, "request_id");
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}
