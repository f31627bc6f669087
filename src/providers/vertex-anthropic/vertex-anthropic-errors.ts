// Vertex AI errors: Anthropic's own envelope passed through rawPredict, or Google's `{error:{code,message,status}}`.
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorKind } from "../../errors/error-codes.ts";
import { ProxyError } from "../../errors/proxy-error.ts";
import { parseAnthropicError } from "../anthropic/anthropic-errors.ts";

const kindsByGoogleStatus: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: "invalid_request",
  FAILED_PRECONDITION: "invalid_request",
  OUT_OF_RANGE: "invalid_request",
  UNAUTHENTICATED: "authentication",
  PERMISSION_DENIED: "permission",
  NOT_FOUND: "not_found",
  RESOURCE_EXHAUSTED: "rate_limit",
  UNAVAILABLE: "overloaded",
  DEADLINE_EXCEEDED: "timeout",
  INTERNAL: "api_error",
};

/** Google's envelope, sometimes wrapped in a one-element array. */
function googleError(body: string): { message?: string; status?: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = (first as { error?: unknown } | null)?.error;
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as Record<string, unknown>;
  // Anthropic's envelope also has `error`, but with a `type`: that one is read by the Anthropic parser.
  if (typeof record.type === "string") return undefined;
  return {
    ...(typeof record.message === "string" ? { message: record.message } : {}),
    ...(typeof record.status === "string" ? { status: record.status } : {}),
  };
}

export function parseVertexAnthropicError(
  status: number,
  headers: IncomingHttpHeaders,
  body: string,
): ProxyError {
  const google = googleError(body);
  if (google === undefined) return parseAnthropicError(status, headers, body);
  const kind = google.status === undefined ? undefined : kindsByGoogleStatus[google.status];
  const fallback = parseAnthropicError(status, headers, "");
  return new ProxyError("upstream_error", google.message ?? `Vertex AI answered ${status}.`, {
    status,
    kind: kind ?? fallback.kind,
  });
}
