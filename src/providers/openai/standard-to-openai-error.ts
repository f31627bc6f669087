// A standard error (type from any dialect, HTTP status) → the Chat Completions error `{type, code}`, status and envelope.

import type { StandardErrorDescription } from "../anthropic/standard-to-anthropic-error.ts";
import type { RenderedError } from "../provider-adapter.ts";

/** Anthropic error types in OpenAI's vocabulary. */
const fromAnthropic: Record<string, { type: string; code: string | null }> = {
  invalid_request_error: { type: "invalid_request_error", code: null },
  authentication_error: { type: "authentication_error", code: "invalid_api_key" },
  permission_error: { type: "permission_error", code: null },
  not_found_error: { type: "invalid_request_error", code: "not_found" },
  request_too_large: { type: "invalid_request_error", code: "request_too_large" },
  rate_limit_error: { type: "rate_limit_error", code: "rate_limit_exceeded" },
  api_error: { type: "server_error", code: null },
  overloaded_error: { type: "server_error", code: "overloaded" },
  timeout_error: { type: "server_error", code: "timeout" },
  billing_error: { type: "insufficient_quota", code: "insufficient_quota" },
};

export function openaiErrorPayload(error: StandardErrorDescription): Record<string, unknown> {
  const mapped = fromAnthropic[error.errorType] ?? { type: error.errorType, code: error.code ?? null };
  return { error: { message: error.message, type: mapped.type, param: null, code: mapped.code } };
}

/** OpenAI's SDKs know no 529: an overloaded provider is a 503 in this dialect. */
export function openaiErrorStatus(status: number | undefined): number {
  return status === 529 ? 503 : (status ?? 500);
}

export function standardToOpenAIError(error: StandardErrorDescription): RenderedError {
  return {
    status: openaiErrorStatus(error.status),
    headers: { "content-type": "application/json" },
    body: JSON.stringify(openaiErrorPayload(error)),
  };
}
