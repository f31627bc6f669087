// OpenAI Chat Completions (and DeepSeek, OpenAI-compatible) responses and chunks → the standard schema.
import {
  isContentEvent,
  type StandardEventDecoder,
  type StandardStreamEvent,
} from "../../schema/standard-event.ts";
import type { StandardResponse } from "../../schema/standard-response.ts";
import type { StandardFinishReason, StandardUsage } from "../../schema/standard-usage.ts";
import { ContentParts } from "../../streaming/content-parts.ts";
import { createStandardDecoder } from "../../streaming/decoder-for.ts";
import { parseJson } from "../../streaming/json-value.ts";
import {
  type DialectStreamReader,
  decoderErrorTypes,
  type StandardErrorEvent,
  type StreamDialect,
} from "../../streaming/stream-dialect.ts";
import {
  type OpenAIChunk,
  type OpenAIToolCallDelta,
  type OpenAIUsage,
  parseOpenAIChunk,
  parseOpenAICompletion,
  parseOpenAIErrorBody,
} from "./openai-api.ts";
import { openaiEmbeddingsToStandard } from "./openai-embeddings.ts";
import { openaiErrorToStandard } from "./openai-error-to-standard.ts";

export interface OpenAIToStandardOptions {
  /** Provider id put on responses and `response-start` (default `openai`; `deepseek`, …). */
  readonly provider?: string;
  /** Streams: decode only what the observation needs (see `outcomePattern`). */
  readonly observeOnly?: boolean;
}

/**
 * Once a stream's first content is out, the observation needs only its outcome: the finish reason, the
 * usage, an error, the end. A chunk whose text names none of them (`"finish_reason":null` and
 * `"usage":null` do not count) is a content delta, left unparsed: JSON.parse of every chunk was about a
 * fifth of a streamed request's CPU in bench/. The test can only err towards parsing, which is safe.
 */
const outcomePattern = /"finish_reason"\s*:\s*"|"usage"\s*:\s*\{|"error"/;

const finishReasons: Readonly<Record<string, StandardFinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
  // DeepSeek: generation cut because its inference system ran out of capacity.
  insufficient_system_resource: "error",
};

export function openaiFinishReason(finishReason: string): StandardFinishReason {
  return finishReasons[finishReason] ?? "other";
}

export function openaiUsageToStandard(usage: OpenAIUsage): StandardUsage {
  const standard: StandardUsage = {};
  if (usage.prompt_tokens !== undefined) standard.inputTokens = usage.prompt_tokens;
  if (usage.completion_tokens !== undefined) standard.outputTokens = usage.completion_tokens;
  const cacheRead = usage.prompt_cache_hit_tokens ?? usage.prompt_tokens_details?.cached_tokens;
  if (cacheRead !== undefined) standard.cacheReadTokens = cacheRead;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (reasoning !== undefined) standard.reasoningTokens = reasoning;
  return standard;
}

/** A non-streaming completion body → standard response (first choice); undefined when it is none. */
export function openaiResponseToStandard(
  body: unknown,
  options: OpenAIToStandardOptions = {},
): StandardResponse | undefined {
  const completion = parseOpenAICompletion(body);
  if (completion === undefined)
    return openaiEmbeddingsToStandard(body, options.provider ?? "openai", openaiUsageToStandard);
  const response: StandardResponse = {
    provider: options.provider ?? "openai",
    parts: [],
    usage: completion.usage === undefined ? {} : openaiUsageToStandard(completion.usage),
  };
  if (completion.id !== undefined) response.id = completion.id;
  if (completion.model !== undefined) response.model = completion.model;
  const choice = completion.choices.find((candidate) => candidate.index === 0) ?? completion.choices[0];
  if (choice === undefined) return response;
  if (choice.reasoning) response.parts.push({ type: "reasoning", text: choice.reasoning });
  if (choice.content) response.parts.push({ type: "text", text: choice.content });
  if (choice.refusal) response.parts.push({ type: "text", text: choice.refusal });
  for (const call of choice.tool_calls) response.parts.push({ type: "tool-call", ...call });
  if (choice.finish_reason !== undefined) {
    response.finishReason = openaiFinishReason(choice.finish_reason);
    response.rawFinishReason = choice.finish_reason;
  }
  return response;
}

interface OpenToolCall {
  part: number;
  id: string;
}

/** Reads one Chat Completions stream: chunks, an optional usage trailer, `[DONE]`, or an error event. */
class OpenAIStreamReader implements DialectStreamReader {
  readonly #provider: string;
  readonly #observeOnly: boolean;
  #started = false;
  /** A content, reasoning or tool-call delta has been read (the first token). */
  #contentSeen = false;
  #done = false;
  #failed = false;
  #usage: StandardUsage | undefined;
  #rawFinish: string | undefined;
  readonly #parts = new ContentParts();
  /** Tool calls by their wire `index`. */
  readonly #toolCalls = new Map<number, OpenToolCall>();

  constructor(provider: string, observeOnly: boolean) {
    this.#provider = provider;
    this.#observeOnly = observeOnly;
  }

  readSse(event: string, data: string): StandardStreamEvent[] {
    if (this.#done || this.#failed) return [];
    if (data.trim() === "[DONE]") return this.#finish();
    if (this.#observeOnly && this.#contentSeen && event !== "error" && !outcomePattern.test(data)) return [];
    const parsed = parseJson(data);
    if (parsed === undefined) {
      return [
        { type: "error", errorType: decoderErrorTypes.invalidData, message: "A stream chunk is not JSON." },
      ];
    }
    if (event === "error" && parseOpenAIErrorBody(parsed.value) === undefined) {
      return this.#fail({ type: "error", errorType: "api_error", message: data.slice(0, 1000) });
    }
    return this.readEvent(parsed.value);
  }

  readEvent(payload: unknown): StandardStreamEvent[] {
    if (this.#done || this.#failed) return [];
    const error = openaiErrorToStandard(payload);
    if (error !== undefined) return this.#fail(error);
    const chunk = parseOpenAIChunk(payload);
    if (chunk === undefined) {
      return [
        {
          type: "error",
          errorType: decoderErrorTypes.invalidData,
          message: "A stream chunk has an unexpected shape.",
        },
      ];
    }
    return this.#read(chunk);
  }

  end(): StandardStreamEvent[] {
    if (this.#done || this.#failed) return [];
    // Some compatible servers end without [DONE]; a finish reason already says the answer is complete.
    // Otherwise the stream was cut: no response-end, and no invented error (see StandardEventDecoder).
    return this.#rawFinish === undefined ? [] : this.#finish();
  }

  #fail(error: StandardErrorEvent): StandardStreamEvent[] {
    this.#failed = true;
    return [error];
  }

  #read(chunk: OpenAIChunk): StandardStreamEvent[] {
    const events: StandardStreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      const start: StandardStreamEvent = { type: "response-start", provider: this.#provider };
      if (chunk.id !== undefined) start.id = chunk.id;
      if (chunk.model !== undefined) start.model = chunk.model;
      events.push(start);
    }
    // Only the first choice is followed: n > 1 streams interleave answers the standard schema keeps apart.
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      if (choice.reasoning) events.push(this.#parts.delta("reasoning", choice.reasoning));
      if (choice.content) events.push(this.#parts.delta("text", choice.content));
      if (choice.refusal) events.push(this.#parts.delta("text", choice.refusal));
      for (const call of choice.tool_calls) this.#toolCall(call, events);
      if (choice.function_call !== undefined)
        this.#toolCall({ index: -1, id: "", ...choice.function_call }, events);
      if (choice.finish_reason !== undefined) {
        this.#rawFinish = choice.finish_reason;
        this.#closeToolCalls(events);
      }
    }
    if (chunk.usage !== undefined) {
      this.#usage = openaiUsageToStandard(chunk.usage);
      events.push({ type: "usage", usage: this.#usage });
    }
    if (!this.#contentSeen) this.#contentSeen = events.some(isContentEvent);
    return events;
  }

  #toolCall(call: OpenAIToolCallDelta, events: StandardStreamEvent[]): void {
    let open = this.#toolCalls.get(call.index);
    // A new id on a known index is a new call (some servers number every call 0).
    if (open !== undefined && call.id !== undefined && call.id !== "" && call.id !== open.id) {
      events.push({ type: "tool-call-end", index: open.part });
      this.#toolCalls.delete(call.index);
      open = undefined;
    }
    if (open === undefined) {
      if (call.id === undefined && call.name === undefined) return;
      open = { part: this.#parts.toolCall(), id: call.id ?? "" };
      this.#toolCalls.set(call.index, open);
      events.push({ type: "tool-call-start", index: open.part, id: open.id, name: call.name ?? "" });
    }
    if (call.arguments)
      events.push({ type: "tool-call-delta", index: open.part, argumentsDelta: call.arguments });
  }

  #closeToolCalls(events: StandardStreamEvent[]): void {
    for (const open of this.#toolCalls.values()) events.push({ type: "tool-call-end", index: open.part });
    this.#toolCalls.clear();
  }

  #finish(): StandardStreamEvent[] {
    this.#done = true;
    const events: StandardStreamEvent[] = [];
    this.#closeToolCalls(events);
    const end: StandardStreamEvent = { type: "response-end" };
    if (this.#rawFinish !== undefined) {
      end.finishReason = openaiFinishReason(this.#rawFinish);
      end.rawFinishReason = this.#rawFinish;
    }
    if (this.#usage !== undefined) end.usage = this.#usage;
    events.push(end);
    return events;
  }
}

export function createOpenAIStreamReader(options: OpenAIToStandardOptions = {}): DialectStreamReader {
  return new OpenAIStreamReader(options.provider ?? "openai", options.observeOnly === true);
}

export function openaiStreamDialect(options: OpenAIToStandardOptions = {}): StreamDialect {
  return {
    createReader: () => createOpenAIStreamReader(options),
    responseToStandard: (body) => openaiResponseToStandard(body, options),
    errorFromBody: openaiErrorToStandard,
  };
}

/**
 * A decoder for a Chat Completions response body by content type: `text/event-stream`,
 * `application/json`, NDJSON / protobuf standard events; undefined otherwise.
 */
export function createOpenAIDecoder(
  contentType: string | undefined,
  options: OpenAIToStandardOptions = {},
): StandardEventDecoder | undefined {
  return createStandardDecoder(contentType, openaiStreamDialect(options), options);
}
