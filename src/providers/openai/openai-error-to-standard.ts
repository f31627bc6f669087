// An OpenAI error body (or stream error event) → the standard error event.
import type { StandardErrorEvent } from "../../streaming/stream-dialect.ts";
import { parseOpenAIErrorBody } from "./openai-api.ts";

/** OpenAI error codes whose meaning the `type` beside them (often `server_error`) does not carry. */
const tellingCodes = new Set([
  "overloaded",
  "rate_limit_exceeded",
  "insufficient_quota",
  "invalid_api_key",
  "model_not_found",
  "timeout",
]);

export function openaiErrorToStandard(body: unknown): StandardErrorEvent | undefined {
  const parsed = parseOpenAIErrorBody(body);
  if (parsed === undefined) return undefined;
  const { error } = parsed;
  const code = typeof error.code === "string" ? error.code : undefined;
  const event: StandardErrorEvent = {
    type: "error",
    // A code that names the cause says more than a generic type (`server_error` with `overloaded`).
    errorType: (code !== undefined && tellingCodes.has(code) ? code : error.type) ?? code ?? "api_error",
    message: error.message,
  };
  if (typeof error.code === "number" && error.code >= 400 && error.code < 600) event.status = error.code;
  return event;
}
