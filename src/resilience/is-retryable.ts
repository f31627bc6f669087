// The one retry verdict: may the proxy try this failed attempt again (DESIGN.md §6)?
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorKind } from "../errors/error-codes.ts";
import { firstHeader } from "../pipeline/header-value.ts";

/** What one upstream attempt came to, as far as the verdict needs it. */
export type AttemptFailure =
  | {
      /** An upstream answer with an error status, or a 2xx whose first stream event was an error. */
      readonly type: "response";
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      /** The error kind the adapter parsed from the body (`billing` for `insufficient_quota`, DeepSeek 402). */
      readonly kind?: ErrorKind;
      /** The provider's error type when the first event of a 2xx stream was an error (`overloaded_error`). */
      readonly firstEventError?: string;
    }
  | {
      /** No usable answer: the proxy's own coded error (connection refused/reset, timeouts). */
      readonly type: "error";
      readonly code: string;
    };

export interface RetryVerdict {
  readonly retryable: boolean;
  /** Why, as a low-cardinality metric label. */
  readonly reason: string;
}

/** Statuses that say "try again": timeouts, conflicts, rate limits, server trouble, Anthropic's 529. */
const retryableStatuses = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** Proxy error codes raised before any response head: safe to resend. */
const retryableCodes: Readonly<Record<string, string>> = {
  upstream_unreachable: "connection",
  upstream_connection_reset: "connection",
  upstream_timeout: "timeout",
  upstream_first_token_timeout: "first_token_stall",
};

/**
 * First-event error types that no retry can fix: Anthropic's types and OpenAI's types or telling codes
 * (`invalid_api_key`, `model_not_found`, `insufficient_quota`).
 */
const permanentStreamErrors = /quota|billing|invalid_request|authentication|permission|not_found|api_key/;

function statusReason(status: number): string {
  if (status === 429) return "rate_limited";
  if (status === 529 || status === 503) return "overloaded";
  if (status >= 500) return "server_error";
  return `status_${status}`;
}

export function isRetryable(failure: AttemptFailure): RetryVerdict {
  if (failure.type === "error") {
    const reason = retryableCodes[failure.code];
    return reason === undefined ? { retryable: false, reason: failure.code } : { retryable: true, reason };
  }
  // The upstream knows best: `x-should-retry` overrides every rule below, both ways.
  const shouldRetry = firstHeader(failure.headers, "x-should-retry")?.trim().toLowerCase();
  if (shouldRetry === "true") return { retryable: true, reason: "should_retry_header" };
  if (shouldRetry === "false") return { retryable: false, reason: "should_retry_header" };
  if (failure.firstEventError !== undefined) {
    return permanentStreamErrors.test(failure.firstEventError)
      ? { retryable: false, reason: "first_event_error" }
      : { retryable: true, reason: "first_event_error" };
  }
  // A 429 for an empty wallet (`insufficient_quota`, DeepSeek's 402) never heals by waiting.
  if (failure.kind === "billing") return { retryable: false, reason: "billing" };
  if (retryableStatuses.has(failure.status)) return { retryable: true, reason: statusReason(failure.status) };
  return { retryable: false, reason: statusReason(failure.status) };
}

/** What the circuit breaker counts: 5xx, 529, timeouts, connection errors — never 4xx nor 429. */
export function isBreakerFailure(failure: AttemptFailure | undefined): boolean {
  if (failure === undefined) return false;
  if (failure.type === "error") return failure.code in retryableCodes;
  if (failure.firstEventError !== undefined)
    return /overloaded|api_error|server_error|timeout/.test(failure.firstEventError);
  return failure.status >= 500;
}
