// Anthropic's error envelope both ways: parse what the API sends, render the proxy's own errors like it.
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorKind } from "../../errors/error-codes.ts";
import { ProxyError } from "../../errors/proxy-error.ts";
import { readErrorEnvelope } from "../error-envelope.ts";
import type { RenderedError } from "../provider-adapter.ts";

const anthropicErrorTypes: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  request_too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  api_error: "api_error",
  overloaded: "overloaded_error",
  timeout: "timeout_error",
  billing: "billing_error",
};

const kindsByAnthropicType = new Map<string, ErrorKind>(
  Object.entries(anthropicErrorTypes).map(([kind, type]) => [type, kind as ErrorKind]),
);

export function anthropicErrorType(kind: ErrorKind): string {
  return anthropicErrorTypes[kind];
}

function anthropicErrorBody(error: ProxyError): string {
  return JSON.stringify({
    type: "error",
    error: { type: anthropicErrorTypes[error.kind], message: error.message },
  });
}

export function renderAnthropicError(error: ProxyError): RenderedError {
  return {
    status: error.status,
    headers: { ...error.headers, "content-type": "application/json" },
    body: anthropicErrorBody(error),
  };
}

/** An `event: error` the Anthropic SDKs raise mid-stream. */
export function renderAnthropicStreamError(error: ProxyError): Uint8Array {
  return Buffer.from(`event: error\ndata: ${anthropicErrorBody(error)}\n\n`);
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit";
  if (status === 529) return "overloaded";
  if (status === 504) return "timeout";
  if (status >= 500) return "api_error";
  return "invalid_request";
}

export function parseAnthropicError(status: number, _headers: IncomingHttpHeaders, body: string): ProxyError {
  const { type, message } = readErrorEnvelope(body);
  // A body without a known type (a load balancer's HTML page) still gets a status-based kind.
  const kind = (type === undefined ? undefined : kindsByAnthropicType.get(type)) ?? kindForStatus(status);
  return new ProxyError("upstream_error", message ?? `Upstream answered ${status}.`, { status, kind });
}
