// Standard stream events (outrigger.v1): what every decoder produces, whatever the wire format.
import type { StandardFinishReason, StandardUsage } from "./standard-usage.ts";

/**
 * `index` names one part of the response (text, reasoning or one tool call): unique across kinds
 * within a response, stable for every event of that part, first seen in increasing order. For
 * Anthropic it is the content block index; for Chat Completions the decoder assigns it.
 *
 * Usage is cumulative: a later `usage` (or `response-end.usage`) replaces an earlier one field by
 * field, it never adds to it.
 */
export type StandardStreamEvent =
  | { type: "response-start"; id?: string; model?: string; provider?: string; usage?: StandardUsage }
  | { type: "text-delta"; index: number; text: string }
  /** `signature` seals the reasoning part (sent once, with empty text); `redacted` carries encrypted reasoning. */
  | { type: "reasoning-delta"; index: number; text: string; signature?: string; redacted?: string }
  | { type: "tool-call-start"; index: number; id: string; name: string }
  /** A fragment of the tool call's JSON arguments; the fragments concatenated are the arguments. */
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number }
  | { type: "usage"; usage: StandardUsage }
  | {
      type: "response-end";
      finishReason?: StandardFinishReason;
      rawFinishReason?: string;
      usage?: StandardUsage;
    }
  /** `errorType` is the provider's error type when it sent one (`overloaded_error`), else a decoder's own. */
  | { type: "error"; errorType: string; message: string; status?: number };

export type StandardStreamEventType = StandardStreamEvent["type"];

/** Content: text, reasoning or a tool call. The first such event is the first token. */
export function isContentEvent(event: StandardStreamEvent): boolean {
  return (
    event.type === "text-delta" ||
    event.type === "reasoning-delta" ||
    event.type === "tool-call-start" ||
    event.type === "tool-call-delta"
  );
}

/**
 * Incremental decoder: bytes in, standard events out; a chunk boundary anywhere never changes the result.
 * Never throws. An `error` event is either the upstream's own (an in-band error the client also sees)
 * or bytes the decoder cannot read. A stream cut before its terminal event yields no `response-end`
 * and no invented error: the consumer that knows the stream ended (observe-stream, an encoder's
 * `end()`) decides what the client sees.
 */
export interface StandardEventDecoder {
  push(chunk: Uint8Array): StandardStreamEvent[];
  end(): StandardStreamEvent[];
}

const finishReasonSet: ReadonlySet<string> = new Set([
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "refusal",
  "error",
  "other",
]);

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isIndex = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const isCount = (value: unknown): boolean => value === undefined || isIndex(value);
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === "string";

export function parseStandardUsage(value: unknown): StandardUsage | undefined {
  if (!isFields(value)) return undefined;
  const keys = [
    "inputTokens",
    "outputTokens",
    "cacheReadTokens",
    "cacheWriteTokens",
    "reasoningTokens",
  ] as const;
  if (!keys.every((key) => isCount(value[key]))) return undefined;
  const usage: StandardUsage = {};
  for (const key of keys) if (value[key] !== undefined) usage[key] = value[key] as number;
  return usage;
}

/** A standard event from untrusted JSON (NDJSON clients), copied field by field; undefined when invalid. */
export function parseStandardStreamEvent(value: unknown): StandardStreamEvent | undefined {
  if (!isFields(value)) return undefined;
  const usage = value.usage === undefined ? undefined : parseStandardUsage(value.usage);
  if (value.usage !== undefined && usage === undefined) return undefined;
  const { index } = value;
  switch (value.type) {
    case "response-start": {
      if (
        !isOptionalString(value.id) ||
        !isOptionalString(value.model) ||
        !isOptionalString(value.provider)
      ) {
        return undefined;
      }
      const event: StandardStreamEvent = { type: "response-start" };
      if (value.id !== undefined) event.id = value.id as string;
      if (value.model !== undefined) event.model = value.model as string;
      if (value.provider !== undefined) event.provider = value.provider as string;
      if (usage !== undefined) event.usage = usage;
      return event;
    }
    case "text-delta":
      return isIndex(index) && typeof value.text === "string"
        ? { type: "text-delta", index, text: value.text }
        : undefined;
    case "reasoning-delta": {
      if (!isIndex(index) || typeof value.text !== "string") return undefined;
      if (!isOptionalString(value.signature) || !isOptionalString(value.redacted)) return undefined;
      const event: StandardStreamEvent = { type: "reasoning-delta", index, text: value.text };
      if (value.signature !== undefined) event.signature = value.signature as string;
      if (value.redacted !== undefined) event.redacted = value.redacted as string;
      return event;
    }
    case "tool-call-start":
      return isIndex(index) && typeof value.id === "string" && typeof value.name === "string"
        ? { type: "tool-call-start", index, id: value.id, name: value.name }
        : undefined;
    case "tool-call-delta":
      return isIndex(index) && typeof value.argumentsDelta === "string"
        ? { type: "tool-call-delta", index, argumentsDelta: value.argumentsDelta }
        : undefined;
    case "tool-call-end":
      return isIndex(index) ? { type: "tool-call-end", index } : undefined;
    case "usage":
      return usage === undefined ? undefined : { type: "usage", usage };
    case "response-end": {
      const { finishReason, rawFinishReason } = value;
      if (
        finishReason !== undefined &&
        !(typeof finishReason === "string" && finishReasonSet.has(finishReason))
      ) {
        return undefined;
      }
      if (!isOptionalString(rawFinishReason)) return undefined;
      const event: StandardStreamEvent = { type: "response-end" };
      if (finishReason !== undefined) event.finishReason = finishReason as StandardFinishReason;
      if (rawFinishReason !== undefined) event.rawFinishReason = rawFinishReason as string;
      if (usage !== undefined) event.usage = usage;
      return event;
    }
    case "error": {
      if (typeof value.errorType !== "string" || typeof value.message !== "string") return undefined;
      if (value.status !== undefined && !isIndex(value.status)) return undefined;
      const event: StandardStreamEvent = {
        type: "error",
        errorType: value.errorType,
        message: value.message,
      };
      if (value.status !== undefined) event.status = value.status as number;
      return event;
    }
    default:
      return undefined;
  }
}
