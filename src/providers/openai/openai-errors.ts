// The OpenAI error envelope both ways (DeepSeek and OpenAI-compatible providers share it).
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorKind } from "../../errors/error-codes.ts";
import { ProxyError } from "../../errors/proxy-error.ts";
import { readErrorEnvelope } from "../error-envelope.ts";
import type { RenderedError } from "../provider-adapter.ts";

const openaiErrorTypes: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: "invalid_request_error", code: null },
  authentication: { type: "authentication_error", code: "invalid_api_key" },
  permission: { type: "permission_error", code: null },
  not_found: { type: "invalid_request_error", code: "not_found" },
  request_too_large: { type: "invalid_request_error", code: "request_too_large" },
  rate_limit: { type: "rate_limit_error", code: "rate_limit_exceeded" },
  api_error: { type: "server_error", code: null },
  overloaded: { type: "server_error", code: "overloaded" },
  timeout: { type: "server_error", code: "timeout" },
  billing: { type: "insufficient_quota", code: "insufficient_quota" },
};

/** OpenAI SDKs know no 529; an overloaded upstream is a 503 in this dialect. */
function openaiStatus(error: ProxyError): number {
  return error.status === 529 ? 503 : error.status;
}

function openaiErrorBody(error: ProxyError): string {
  const { type, code } = openaiErrorTypes[error.kind];
  return JSON.stringify({ error: { message: error.message, type, param: null, code } });
}

export function renderOpenAIError(error: ProxyError): RenderedError {
  return {
    status: openaiStatus(error),
    headers: { ...error.headers, "content-type": "application/json" },
    body: openaiErrorBody(error),
  };
}

/** A final `data: {"error":…}` chunk: the OpenAI SDKs raise it as an APIError mid-stream. */
export function renderOpenAIStreamError(error: ProxyError): Uint8Array {
  return Buffer.from(`data: ${openaiErrorBody(error)}\n\n`);
}

function kindFor(status: number, type: string | undefined, code: string | undefined): ErrorKind {
  if (code === "insufficient_quota" || type === "insufficient_quota" || status === 402) return "billing";
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit";
  if (status === 503 || status === 529) return "overloaded";
  if (status === 504 || status === 408) return "timeout";
  if (status >= 500) return "api_error";
  return "invalid_request";
}

export function parseOpenAIError(status: number, _headers: IncomingHttpHeaders, body: string): ProxyError {
  const { type, code, message } = readErrorEnvelope(body);
  return new ProxyError("upstream_error", message ?? `Upstream answered ${status}.`, {
    status,
    kind: kindFor(status, type, code),
  });
}
