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

/** Incremental decoder: bytes in, standard events out; a chunk boundary anywhere never changes the result. */
export interface StandardEventDecoder {
  push(chunk: Uint8Array): StandardStreamEvent[];
  end(): StandardStreamEvent[];
}
