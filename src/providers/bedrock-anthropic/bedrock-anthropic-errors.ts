// Bedrock's errors (HTTP `x-amzn-errortype` + `{message}`, and in-stream exceptions) as ProxyErrors of Anthropic kinds.
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorKind } from "../../errors/error-codes.ts";
import { ProxyError } from "../../errors/proxy-error.ts";

interface BedrockErrorInfo {
  readonly status: number;
  readonly kind: ErrorKind;
}

// Keyed by the exception name with a lower-case first letter, as the eventstream spells it.
const bedrockErrors: Record<string, BedrockErrorInfo> = {
  validationException: { status: 400, kind: "invalid_request" },
  accessDeniedException: { status: 403, kind: "permission" },
  // Credential problems answer 401 so the pipeline refreshes the keys once and the SDK raises AuthenticationError.
  unrecognizedClientException: { status: 401, kind: "authentication" },
  invalidSignatureException: { status: 401, kind: "authentication" },
  incompleteSignatureException: { status: 401, kind: "authentication" },
  expiredTokenException: { status: 401, kind: "authentication" },
  missingAuthenticationTokenException: { status: 401, kind: "authentication" },
  resourceNotFoundException: { status: 404, kind: "not_found" },
  throttlingException: { status: 429, kind: "rate_limit" },
  serviceQuotaExceededException: { status: 429, kind: "rate_limit" },
  modelNotReadyException: { status: 429, kind: "overloaded" },
  modelTimeoutException: { status: 408, kind: "timeout" },
  serviceUnavailableException: { status: 503, kind: "overloaded" },
  internalServerException: { status: 500, kind: "api_error" },
  modelErrorException: { status: 424, kind: "api_error" },
  modelStreamErrorException: { status: 500, kind: "api_error" },
};

/** `ThrottlingException:http://internal.amazon.com/…` or `throttlingException` → `throttlingException`. */
function normalizeName(name: string): string {
  const bare = name.split(":")[0]?.trim() ?? "";
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}

function messageOf(payload: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const message = record.message ?? record.Message;
      if (typeof message === "string") return message;
    }
  } catch {
    // Not JSON: no message to relay.
  }
  return undefined;
}

/** An in-stream `:message-type exception` frame, or an error the status line carried. */
export function bedrockException(name: string, payload: string, status?: number): ProxyError {
  const info = bedrockErrors[normalizeName(name)];
  const message = messageOf(payload) ?? `Bedrock reported ${name.split(":")[0] || "an error"}.`;
  const retryable = info?.kind === "rate_limit" || info?.kind === "overloaded" || info?.kind === "timeout";
  return new ProxyError("upstream_error", message, {
    status: info?.status ?? status ?? 502,
    kind: info?.kind ?? (status !== undefined && status < 500 ? "invalid_request" : "api_error"),
    retryable: retryable || info?.kind === "api_error",
  });
}

export function parseBedrockError(status: number, headers: IncomingHttpHeaders, body: string): ProxyError {
  const header = headers["x-amzn-errortype"];
  const name = (Array.isArray(header) ? header[0] : header) ?? "";
  return bedrockException(name, body, status);
}
