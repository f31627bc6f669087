// Anthropic Messages responses and stream events → the standard schema (events, responses, usage, finish).
import {
  isContentEvent,
  type StandardEventDecoder,
  type StandardStreamEvent,
} from "../../schema/standard-event.ts";
import type { StandardResponse, StandardResponsePart } from "../../schema/standard-response.ts";
import type { StandardFinishReason, StandardUsage } from "../../schema/standard-usage.ts";
import { createStandardDecoder } from "../../streaming/decoder-for.ts";
import { parseJson } from "../../streaming/json-value.ts";
import {
  type DialectStreamReader,
  decoderErrorTypes,
  type StandardErrorEvent,
  type StreamDialect,
} from "../../streaming/stream-dialect.ts";
import {
  type AnthropicContentBlock,
  type AnthropicStreamEvent,
  type AnthropicUsage,
  parseAnthropicErrorBody,
  parseAnthropicMessage,
  parseAnthropicStreamEvent,
} from "./anthropic-api.ts";

export interface AnthropicToStandardOptions {
  /** Provider id put on responses and `response-start` (default `anthropic`). */
  readonly provider?: string;
  /**
   * Streams: decode only what the observation needs. Once the first content is out, `content_block_delta`
   * events (named so before their data) are left unparsed; message_delta (stop reason, usage),
   * message_stop and error still are. JSON.parse of every event was about a fifth of a streamed
   * request's CPU in bench/.
   */
  readonly observeOnly?: boolean;
}

const finishReasons: Readonly<Record<string, StandardFinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "refusal",
  pause_turn: "other",
};

export function anthropicFinishReason(stopReason: string): StandardFinishReason {
  return finishReasons[stopReason] ?? "other";
}

/** Anthropic counts cache reads and writes apart from `input_tokens`; the standard input is their sum. */
export function anthropicUsageToStandard(usage: AnthropicUsage): StandardUsage {
  const standard: StandardUsage = {};
  if (usage.input_tokens !== undefined) {
    standard.inputTokens =
      usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  }
  if (usage.output_tokens !== undefined) standard.outputTokens = usage.output_tokens;
  if (usage.cache_read_input_tokens !== undefined) standard.cacheReadTokens = usage.cache_read_input_tokens;
  if (usage.cache_creation_input_tokens !== undefined) {
    standard.cacheWriteTokens = usage.cache_creation_input_tokens;
  }
  return standard;
}

function blockToPart(block: AnthropicContentBlock): StandardResponsePart | undefined {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "thinking":
      return block.signature === undefined
        ? { type: "reasoning", text: block.thinking }
        : { type: "reasoning", text: block.thinking, signature: block.signature };
    case "redacted_thinking":
      return { type: "reasoning", text: "", redacted: block.data };
    case "tool_use":
      return {
        type: "tool-call",
        id: block.id,
        name: block.name,
        arguments: JSON.stringify(block.input ?? {}),
      };
    default:
      // Server tools, their results and fallback markers have no standard part: the provider ran them.
      return undefined;
  }
}

/** A non-streaming Messages body → standard response; undefined when the body is not a message. */
export function anthropicResponseToStandard(
  body: unknown,
  options: AnthropicToStandardOptions = {},
): StandardResponse | undefined {
  const message = parseAnthropicMessage(body);
  if (message === undefined) return undefined;
  const response: StandardResponse = {
    provider: options.provider ?? "anthropic",
    parts: [],
    usage: anthropicUsageToStandard(message.usage),
  };
  if (message.id !== undefined) response.id = message.id;
  if (message.model !== undefined) response.model = message.model;
  for (const block of message.content) {
    const part = blockToPart(block);
    if (part !== undefined) response.parts.push(part);
  }
  if (message.stop_reason !== undefined) {
    response.finishReason = anthropicFinishReason(message.stop_reason);
    response.rawFinishReason = message.stop_reason;
  }
  return response;
}

export function anthropicErrorToStandard(body: unknown): StandardErrorEvent | undefined {
  const parsed = parseAnthropicErrorBody(body);
  return parsed === undefined
    ? undefined
    : { type: "error", errorType: parsed.error.type, message: parsed.error.message };
}

type BlockKind = "text" | "reasoning" | "tool" | "ignored";

/** Reads one Anthropic stream: message_start … message_stop, with ping and error anywhere. */
class AnthropicStreamReader implements DialectStreamReader {
  readonly #provider: string;
  readonly #observeOnly: boolean;
  #messageId: string | undefined;
  #started = false;
  /** A content, reasoning or tool-call delta has been read (the first token). */
  #contentSeen = false;
  /** An error ended the stream (from Anthropic or a contradiction): everything after it is ignored. */
  #failed = false;
  #stopped = false;
  #usage: AnthropicUsage = {};
  #stopReason: string | undefined;
  readonly #openBlocks = new Map<number, BlockKind>();

  constructor(provider: string, observeOnly: boolean) {
    this.#provider = provider;
    this.#observeOnly = observeOnly;
  }

  readSse(event: string, data: string): StandardStreamEvent[] {
    if (this.#observeOnly && this.#contentSeen && event === "content_block_delta") return [];
    const parsed = parseJson(data);
    if (parsed === undefined) return this.#invalid(`Anthropic sent a ${event} event whose data is not JSON.`);
    return this.#read(parsed.value, event === "message" ? undefined : event);
  }

  readEvent(payload: unknown): StandardStreamEvent[] {
    return this.#read(payload, undefined);
  }

  end(): StandardStreamEvent[] {
    if (this.#failed || this.#stopped) return [];
    // A message_delta with a stop reason means the content is complete even if message_stop was lost.
    // Otherwise the stream was cut: no response-end, and no invented error (see StandardEventDecoder).
    return this.#stopReason === undefined ? [] : this.#finish();
  }

  #invalid(message: string): StandardStreamEvent[] {
    if (this.#failed || this.#stopped) return [];
    return [{ type: "error", errorType: decoderErrorTypes.invalidData, message }];
  }

  #read(value: unknown, eventName: string | undefined): StandardStreamEvent[] {
    if (this.#failed || this.#stopped) return [];
    const event = parseAnthropicStreamEvent(value, eventName);
    if (event === undefined) return this.#invalid("Anthropic sent a stream event of an unexpected shape.");
    const events = this.#apply(event);
    if (!this.#contentSeen) this.#contentSeen = events.some(isContentEvent);
    return events;
  }

  #apply(event: AnthropicStreamEvent): StandardStreamEvent[] {
    switch (event.type) {
      case "message_start":
        return this.#start(event.message.id, event.message.model, event.message.usage);
      case "content_block_start":
        return this.#startBlock(event.index, event.content_block);
      case "content_block_delta": {
        const kind = this.#openBlocks.get(event.index);
        const delta = event.delta;
        if (delta.type === "text_delta" && delta.text !== "" && (kind === "text" || kind === undefined)) {
          return [{ type: "text-delta", index: event.index, text: delta.text }];
        }
        if (delta.type === "thinking_delta" && delta.thinking !== "" && kind === "reasoning") {
          return [{ type: "reasoning-delta", index: event.index, text: delta.thinking }];
        }
        if (delta.type === "signature_delta" && delta.signature !== "" && kind === "reasoning") {
          return [{ type: "reasoning-delta", index: event.index, text: "", signature: delta.signature }];
        }
        if (delta.type === "input_json_delta" && delta.partial_json !== "" && kind === "tool") {
          return [{ type: "tool-call-delta", index: event.index, argumentsDelta: delta.partial_json }];
        }
        // Citations, server-tool input and deltas for blocks that never started carry nothing standard.
        return [];
      }
      case "content_block_stop": {
        const kind = this.#openBlocks.get(event.index);
        this.#openBlocks.delete(event.index);
        return kind === "tool" ? [{ type: "tool-call-end", index: event.index }] : [];
      }
      case "message_delta":
        if (event.stop_reason !== undefined) this.#stopReason = event.stop_reason;
        // message_delta usage is cumulative; its input_tokens, when present, supersede message_start's.
        this.#usage = { ...this.#usage, ...event.usage };
        return Object.keys(event.usage).length === 0
          ? []
          : [{ type: "usage", usage: anthropicUsageToStandard(this.#usage) }];
      case "message_stop":
        return this.#finish();
      case "error":
        this.#failed = true;
        return [{ type: "error", errorType: event.error.type, message: event.error.message }];
      default:
        return [];
    }
  }

  #start(id: string | undefined, model: string | undefined, usage: AnthropicUsage): StandardStreamEvent[] {
    if (this.#started) {
      // The same message announced twice is harmless; a different one spliced in corrupts both.
      if (id === this.#messageId) return [];
      this.#failed = true;
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidResponse,
          message: "A second Anthropic message started before the first one ended.",
        },
      ];
    }
    this.#started = true;
    this.#messageId = id;
    this.#usage = { ...usage };
    const event: StandardStreamEvent = { type: "response-start", provider: this.#provider };
    if (id !== undefined) event.id = id;
    if (model !== undefined) event.model = model;
    event.usage = anthropicUsageToStandard(usage);
    return [event];
  }

  #startBlock(index: number, block: AnthropicContentBlock): StandardStreamEvent[] {
    switch (block.type) {
      case "text":
        this.#openBlocks.set(index, "text");
        return block.text === "" ? [] : [{ type: "text-delta", index, text: block.text }];
      case "thinking": {
        this.#openBlocks.set(index, "reasoning");
        const events: StandardStreamEvent[] = [];
        if (block.thinking !== "") events.push({ type: "reasoning-delta", index, text: block.thinking });
        if (block.signature !== undefined) {
          events.push({ type: "reasoning-delta", index, text: "", signature: block.signature });
        }
        return events;
      }
      case "redacted_thinking":
        this.#openBlocks.set(index, "reasoning");
        return [{ type: "reasoning-delta", index, text: "", redacted: block.data }];
      case "tool_use":
        this.#openBlocks.set(index, "tool");
        return [{ type: "tool-call-start", index, id: block.id, name: block.name }];
      default:
        this.#openBlocks.set(index, "ignored");
        return [];
    }
  }

  #finish(): StandardStreamEvent[] {
    this.#stopped = true;
    const events: StandardStreamEvent[] = [];
    // A stream cut by max_tokens leaves its last tool block open: close it so every start has an end.
    for (const [index, kind] of this.#openBlocks)
      if (kind === "tool") events.push({ type: "tool-call-end", index });
    this.#openBlocks.clear();
    const end: StandardStreamEvent = { type: "response-end", usage: anthropicUsageToStandard(this.#usage) };
    if (this.#stopReason !== undefined) {
      end.finishReason = anthropicFinishReason(this.#stopReason);
      end.rawFinishReason = this.#stopReason;
    }
    events.push(end);
    return events;
  }
}

export function createAnthropicStreamReader(options: AnthropicToStandardOptions = {}): DialectStreamReader {
  return new AnthropicStreamReader(options.provider ?? "anthropic", options.observeOnly === true);
}

export function anthropicStreamDialect(options: AnthropicToStandardOptions = {}): StreamDialect {
  return {
    createReader: () => createAnthropicStreamReader(options),
    responseToStandard: (body) => anthropicResponseToStandard(body, options),
    errorFromBody: anthropicErrorToStandard,
  };
}

/**
 * A decoder for an Anthropic response body by content type: `text/event-stream`, `application/json`,
 * `application/vnd.amazon.eventstream` (Bedrock), NDJSON / protobuf standard events; undefined otherwise.
 */
export function createAnthropicDecoder(
  contentType: string | undefined,
  options: AnthropicToStandardOptions = {},
): StandardEventDecoder | undefined {
  return createStandardDecoder(contentType, anthropicStreamDialect(options), options);
}
