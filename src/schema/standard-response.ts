// A complete (non-streaming) response in the standard schema (outrigger.v1), whatever the provider.
import type { StandardFinishReason, StandardUsage } from "./standard-usage.ts";

export type StandardResponsePart =
  | { type: "text"; text: string }
  /** `signature` seals the reasoning for replay; `redacted` is encrypted reasoning with no readable text. */
  | { type: "reasoning"; text: string; signature?: string; redacted?: string }
  /** `arguments` is the JSON text of the call's arguments, as OpenAI sends it (`"{}"` for none). */
  | { type: "tool-call"; id: string; name: string; arguments: string };

export interface StandardResponse {
  id?: string;
  /** The protocol or configured provider id the response came from (`anthropic`, `deepseek`, …). */
  provider: string;
  model?: string;
  parts: StandardResponsePart[];
  finishReason?: StandardFinishReason;
  /** The provider's own finish value (`end_turn`, `stop`, …), kept for telemetry and exact round trips. */
  rawFinishReason?: string;
  usage: StandardUsage;
}
