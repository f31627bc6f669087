// ProxyError: the one error type that flows through the pipeline until rescue turns it into a response.
import { type ErrorCode, type ErrorKind, errorCodes } from "./error-codes.ts";

export interface ProxyErrorOptions {
  /** Overrides the catalogue status, e.g. to relay an upstream status unchanged. */
  readonly status?: number;
  /** Overrides the catalogue kind, e.g. when an upstream error body names its own type. */
  readonly kind?: ErrorKind;
  readonly retryable?: boolean;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class ProxyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly headers: Readonly<Record<string, string>>;

  /** `message` is shown to the client: it must never contain a secret. */
  constructor(code: ErrorCode, message: string, options: ProxyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProxyError";
    const info = errorCodes[code];
    this.code = code;
    this.status = options.status ?? info.status;
    this.kind = options.kind ?? info.kind;
    this.retryable = options.retryable ?? info.retryable;
    this.headers = options.headers ?? {};
  }
}

/** Wraps anything thrown into a ProxyError without exposing its message (it may carry internals). */
export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError("internal", "Outrigger hit an internal error; see the sidecar log.", {
    cause: error,
  });
}
