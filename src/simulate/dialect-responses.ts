// Error bodies and stream error events in each provider's own shape, so SDKs parse the simulator's errors as real ones.
import type { IncomingHttpHeaders } from "node:http";
import type { SimulatorDialect } from "./fixture-framing.ts";

export interface SimpleResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The dialect a path speaks. Anthropic's paths are `/v1/messages…` and `/v1/complete`; on other
 * unknown paths its SDK gives itself away with `anthropic-version`. Chat-completions paths are
 * always OpenAI, whatever headers came along.
 */
export function dialectOf(path: string, headers: IncomingHttpHeaders): SimulatorDialect {
  if (path.startsWith("/v1/messages") || path.startsWith("/v1/complete")) return "anthropic";
  if (path.endsWith("/chat/completions")) return "openai";
  if (headers["anthropic-version"] !== undefined) return "anthropic";
  return "openai";
}

const anthropicErrorTypes: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const openaiErrorTypes: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  404: "invalid_request_error",
  429: "rate_limit_exceeded",
  500: "server_error",
  503: "server_error",
};

/** An error response as the provider of `dialect` would send it. */
export function dialectError(dialect: SimulatorDialect, status: number, message: string): SimpleResponse {
  const headers = { "content-type": "application/json" };
  if (dialect === "anthropic") {
    const type = anthropicErrorTypes[status] ?? "api_error";
    return { status, headers, body: JSON.stringify({ type: "error", error: { type, message } }) };
  }
  const type = openaiErrorTypes[status] ?? "server_error";
  return { status, headers, body: JSON.stringify({ error: { message, type, param: null, code: null } }) };
}

/** The unknown-path answer, worded like each provider's. */
export function notFound(dialect: SimulatorDialect, method: string, path: string): SimpleResponse {
  if (dialect === "anthropic") return dialectError(dialect, 404, "Not Found");
  return dialectError(dialect, 404, `Invalid URL (${method} ${path})`);
}

/**
 * A mid-stream error event: Anthropic names it `error`; OpenAI and DeepSeek send a `data:` line
 * carrying `{"error": …}` and no `[DONE]`.
 */
export function streamErrorEvent(dialect: SimulatorDialect, type: string, message: string): Buffer {
  if (dialect === "anthropic") {
    return Buffer.from(
      `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`,
    );
  }
  return Buffer.from(`data: ${JSON.stringify({ error: { message, type, param: null, code: null } })}\n\n`);
}
