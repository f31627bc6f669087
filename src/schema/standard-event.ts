// Standard stream events (outrigger.v1): what every decoder produces, whatever the wire format.
import type { StandardFinishReason, StandardUsage } from "./standard-usage.ts";

export type StandardStreamEvent =
  | { type: "response-start"; id?: string; model?: string; provider?: string; usage?: StandardUsage }
  | { type: "text-delta"; index: number; text: string }
  | { type: "reasoning-delta"; index: number; text: string; signature?: string; redacted?: string }
  | { type: "tool-call-start"; index: number; id: string; name: string }
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number }
  | { type: "usage"; usage: StandardUsage }
  | { type: "response-end"; finishReason?: StandardFinishReason; rawFinishReason?: string; usage?: StandardUsage }
  | { type: "error"; errorType: string; message: string; status?: number };

/** Incremental decoder: bytes in, standard events out; a chunk boundary anywhere never changes the result. */
export interface StandardEventDecoder {
  push(chunk: Uint8Array): StandardStreamEvent[];
  end(): StandardStreamEvent[];
}
