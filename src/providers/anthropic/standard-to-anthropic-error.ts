// A standard error (type from any dialect, HTTP status) → Anthropic's error type, status and envelope.
import type { RenderedError } from "../provider-adapter.ts";

const anthropicErrorTypes = new Set([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "overloaded_error",
  "timeout_error",
  "billing_error",
]);

/** OpenAI-dialect `type` / `code` values whose meaning does not follow from the status alone. */
const fromOtherDialects: Record<string, string> = {
  insufficient_quota: "billing_error",
  rate_limit_exceeded: "rate_limit_error",
  overloaded: "overloaded_error",
  timeout: "timeout_error",
  invalid_api_key: "authentication_error",
  model_not_found: "not_found_error",
};

const byStatus: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export interface StandardErrorDescription {
  /** The provider's error type or code (`overloaded_error`, `insufficient_quota`, `server_error`, …). */
  readonly errorType: string;
  readonly message: string;
  readonly status?: number;
  /** OpenAI's `code` when it names the error more precisely than `type`. */
  readonly code?: string;
}

export function anthropicErrorType(error: Omit<StandardErrorDescription, "message">): string {
  // OpenAI's `code` is the most precise (`model_not_found` under type `invalid_request_error`).
  const precise = fromOtherDialects[error.code ?? ""] ?? fromOtherDialects[error.errorType];
  if (precise !== undefined) return precise;
  if (anthropicErrorTypes.has(error.errorType)) return error.errorType;
  const status = error.status ?? 500;
  return byStatus[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Anthropic's SDKs retry 529 (overloaded) and 429; a billing failure must be neither, so it is a 402. */
export function anthropicErrorStatus(type: string, status: number | undefined): number {
  if (type === "overloaded_error") return 529;
  if (type === "billing_error") return 402;
  return status ?? 500;
}

export function standardToAnthropicError(error: StandardErrorDescription): RenderedError {
  const type = anthropicErrorType(error);
  return {
    status: anthropicErrorStatus(type, error.status),
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "error", error: { type, message: error.message } }),
  };
}
