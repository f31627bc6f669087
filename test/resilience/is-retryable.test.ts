// The retry verdict as a table: every row the resilience issue lists, through the real adapters' error parsers.
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { test } from "node:test";
import { anthropicAdapter } from "../../src/providers/anthropic/anthropic-adapter.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import type { ProviderAdapter } from "../../src/providers/provider-adapter.ts";
import { type AttemptFailure, isBreakerFailure, isRetryable } from "../../src/resilience/is-retryable.ts";

function upstream(
  adapter: ProviderAdapter,
  status: number,
  body: unknown,
  headers: IncomingHttpHeaders = {},
): AttemptFailure {
  const kind = adapter.parseError(status, headers, JSON.stringify(body)).kind;
  return { type: "response", status, headers, kind };
}

const anthropicError = (type: string) => ({ type: "error", error: { type, message: "m" } });
const openaiError = (type: string, code: string | null = null) => ({
  error: { message: "m", type, param: null, code },
});

const rows: { name: string; failure: AttemptFailure; retryable: boolean; breaker: boolean }[] = [
  {
    name: "connection refused",
    failure: { type: "error", code: "upstream_unreachable" },
    retryable: true,
    breaker: true,
  },
  {
    name: "connection reset before headers",
    failure: { type: "error", code: "upstream_connection_reset" },
    retryable: true,
    breaker: true,
  },
  {
    name: "no response head in time",
    failure: { type: "error", code: "upstream_timeout" },
    retryable: true,
    breaker: true,
  },
  {
    name: "first-token stall",
    failure: { type: "error", code: "upstream_first_token_timeout" },
    retryable: true,
    breaker: true,
  },
  {
    name: "upstream TLS certificate rejected: no resend fixes it",
    failure: { type: "error", code: "upstream_certificate_rejected" },
    retryable: false,
    breaker: false,
  },
  {
    name: "credential missing is not the upstream's fault",
    failure: { type: "error", code: "credential_missing" },
    retryable: false,
    breaker: false,
  },
  ...[408, 409].map((status) => ({
    name: `${status}`,
    failure: upstream(openaiAdapter, status, openaiError("invalid_request_error")),
    retryable: true,
    breaker: false,
  })),
  {
    name: "429",
    failure: upstream(openaiAdapter, 429, openaiError("requests", "rate_limit_exceeded")),
    retryable: true,
    breaker: false,
  },
  ...[500, 502, 503, 504].map((status) => ({
    name: `${status}`,
    failure: upstream(openaiAdapter, status, openaiError("server_error")),
    retryable: true,
    breaker: true,
  })),
  {
    name: "529 overloaded_error",
    failure: upstream(anthropicAdapter, 529, anthropicError("overloaded_error")),
    retryable: true,
    breaker: true,
  },
  {
    name: "Anthropic 429 rate_limit_error",
    failure: upstream(anthropicAdapter, 429, anthropicError("rate_limit_error")),
    retryable: true,
    breaker: false,
  },
  {
    name: "Anthropic overloaded_error as the first event of a 200 stream",
    failure: { type: "response", status: 200, headers: {}, firstEventError: "overloaded_error" },
    retryable: true,
    breaker: true,
  },
  {
    name: "a first-event error that waiting cannot fix",
    failure: { type: "response", status: 200, headers: {}, firstEventError: "invalid_request_error" },
    retryable: false,
    breaker: false,
  },
  {
    name: "an OpenAI first-event error read by its telling code: invalid_api_key, never",
    failure: { type: "response", status: 200, headers: {}, firstEventError: "invalid_api_key" },
    retryable: false,
    breaker: false,
  },
  {
    name: "an OpenAI first-event error read by its telling code: timeout, retried and counted",
    failure: { type: "response", status: 200, headers: {}, firstEventError: "timeout" },
    retryable: true,
    breaker: true,
  },
  {
    name: "OpenAI 429 insufficient_quota: never",
    failure: upstream(openaiAdapter, 429, openaiError("insufficient_quota", "insufficient_quota")),
    retryable: false,
    breaker: false,
  },
  {
    name: "DeepSeek 402 insufficient balance: never",
    failure: upstream(openaiAdapter, 402, openaiError("unknown_error")),
    retryable: false,
    breaker: false,
  },
  {
    name: "DeepSeek 503 overloaded",
    failure: upstream(openaiAdapter, 503, openaiError("server_error")),
    retryable: true,
    breaker: true,
  },
  {
    name: "400",
    failure: upstream(anthropicAdapter, 400, anthropicError("invalid_request_error")),
    retryable: false,
    breaker: false,
  },
  {
    name: "401",
    failure: upstream(anthropicAdapter, 401, anthropicError("authentication_error")),
    retryable: false,
    breaker: false,
  },
  {
    name: "404",
    failure: upstream(openaiAdapter, 404, openaiError("invalid_request_error")),
    retryable: false,
    breaker: false,
  },
  {
    name: "x-should-retry: true makes a 400 retryable",
    failure: upstream(anthropicAdapter, 400, anthropicError("invalid_request_error"), {
      "x-should-retry": "true",
    }),
    retryable: true,
    breaker: false,
  },
  {
    name: "x-should-retry: false stops a 503",
    failure: upstream(openaiAdapter, 503, openaiError("server_error"), { "x-should-retry": "false" }),
    retryable: false,
    breaker: true,
  },
  {
    name: "x-should-retry: false stops a 529",
    failure: upstream(anthropicAdapter, 529, anthropicError("overloaded_error"), {
      "x-should-retry": "false",
    }),
    retryable: false,
    breaker: true,
  },
];

for (const row of rows) {
  test(`verdict: ${row.name}`, () => {
    const verdict = isRetryable(row.failure);
    assert.equal(verdict.retryable, row.retryable);
    assert.ok(verdict.reason.length > 0, "a reason label for the metric");
    assert.equal(isBreakerFailure(row.failure), row.breaker, "breaker counting");
  });
}

test("the verdict's reasons are low-cardinality labels", () => {
  assert.equal(isRetryable(rows[0]!.failure).reason, "connection");
  assert.equal(isRetryable(upstream(openaiAdapter, 429, openaiError("x"))).reason, "rate_limited");
  assert.equal(
    isRetryable(upstream(anthropicAdapter, 529, anthropicError("overloaded_error"))).reason,
    "overloaded",
  );
  assert.equal(isBreakerFailure(undefined), false);
});
