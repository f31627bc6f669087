// Reads the `{"error": {type, code, message}}` envelope both dialects share, without trusting the body.

export interface ErrorEnvelope {
  readonly type?: string;
  readonly code?: string;
  readonly message?: string;
}

/** The error fields of a JSON error body; empty for a non-JSON one (a load balancer's HTML page). */
export function readErrorEnvelope(body: string): ErrorEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== "object" || error === null) return {};
  const record = error as Record<string, unknown>;
  return {
    ...(typeof record.type === "string" ? { type: record.type } : {}),
    ...(typeof record.code === "string" ? { code: record.code } : {}),
    ...(typeof record.message === "string" ? { message: record.message } : {}),
  };
}
