// What the chat span learns by the end of a call: response model and id, finish, usage, first chunk, and outrigger.*.
import type { Attributes } from "@opentelemetry/api";
import type { Exchange } from "../pipeline/exchange.ts";
import { resilienceNote } from "./exchange-notes.ts";

/** GenAI response attributes (semantic conventions) plus Outrigger's retries, fallback, key id hash, pacing, breaker. */
export function chatOutcomeAttributes(exchange: Exchange): Attributes {
  const { observed, timings } = exchange;
  const attributes: Attributes = {};
  if (observed.responseModel !== undefined) attributes["gen_ai.response.model"] = observed.responseModel;
  if (observed.responseId !== undefined) attributes["gen_ai.response.id"] = observed.responseId;
  const finish = observed.rawFinishReason ?? observed.finishReason;
  if (finish !== undefined) attributes["gen_ai.response.finish_reasons"] = [finish];
  const { usage } = observed;
  if (usage.inputTokens !== undefined) attributes["gen_ai.usage.input_tokens"] = usage.inputTokens;
  if (usage.outputTokens !== undefined) attributes["gen_ai.usage.output_tokens"] = usage.outputTokens;
  if (usage.cacheReadTokens !== undefined)
    attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined)
    attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cacheWriteTokens;
  // Seconds from arrival at the sidecar: what the app waited, retries and pacing included.
  if (timings.firstToken !== undefined)
    attributes["gen_ai.response.time_to_first_chunk"] = (timings.firstToken - timings.start) / 1000;
  attributes["outrigger.retries"] = Math.max(0, exchange.attempt - 1);
  const routed = exchange.route?.provider.id;
  if (observed.answeredBy !== undefined && observed.answeredBy !== routed)
    attributes["outrigger.fallback.provider"] = observed.answeredBy;
  // A 12-hex hash of the key: which key of a pool served the call, never the key itself.
  const keyId = exchange.credential?.keyId ?? observed.keyId;
  if (keyId !== undefined) attributes["outrigger.key_id"] = keyId;
  const note = resilienceNote(exchange);
  if (note?.pacingWaitMs !== undefined) attributes["outrigger.pacing.wait_ms"] = note.pacingWaitMs;
  if (note?.breakerState !== undefined) attributes["outrigger.breaker.state"] = note.breakerState;
  return attributes;
}
