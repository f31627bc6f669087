// The catalogue of every error the proxy itself can produce: stable code → status, kind, retry verdict.

/** Dialect-neutral error kinds; each adapter maps them to its own error `type`. */
export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "request_too_large"
  | "rate_limit"
  | "api_error"
  | "overloaded"
  | "timeout"
  | "billing";

export interface ErrorCodeInfo {
  readonly status: number;
  readonly kind: ErrorKind;
  /** Whether the proxy may retry the attempt that failed with this code. */
  readonly retryable: boolean;
}

export const errorCodes = {
  unknown_route: { status: 404, kind: "not_found", retryable: false },
  method_not_allowed: { status: 405, kind: "invalid_request", retryable: false },
  body_too_large: { status: 413, kind: "request_too_large", retryable: false },
  bad_request: { status: 400, kind: "invalid_request", retryable: false },
  unauthorized: { status: 401, kind: "authentication", retryable: false },
  credential_missing: { status: 401, kind: "authentication", retryable: false },
  credential_refresh_failed: { status: 401, kind: "authentication", retryable: false },
  upstream_unreachable: { status: 502, kind: "api_error", retryable: true },
  upstream_connection_reset: { status: 502, kind: "api_error", retryable: true },
  upstream_timeout: { status: 504, kind: "timeout", retryable: true },
  /** The upstream's TLS certificate failed verification: a trust or security problem no resend fixes. */
  upstream_certificate_rejected: { status: 502, kind: "api_error", retryable: false },
  upstream_stream_interrupted: { status: 502, kind: "api_error", retryable: false },
  upstream_first_token_timeout: { status: 504, kind: "timeout", retryable: true },
  upstream_idle_timeout: { status: 504, kind: "api_error", retryable: false },
  upstream_total_timeout: { status: 504, kind: "timeout", retryable: false },
  pacing_wait_exceeded: { status: 429, kind: "rate_limit", retryable: false },
  bulkhead_full: { status: 503, kind: "overloaded", retryable: false },
  upstream_error: { status: 502, kind: "api_error", retryable: false },
  circuit_open: { status: 503, kind: "overloaded", retryable: false },
  rate_limited: { status: 429, kind: "rate_limit", retryable: false },
  shutting_down: { status: 503, kind: "overloaded", retryable: false },
  conversion_unsupported: { status: 400, kind: "invalid_request", retryable: false },
  internal: { status: 500, kind: "api_error", retryable: false },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
