// Request conversion for the unified routes and cross-dialect fallback: client dialect → standard → target dialect.
import { ProxyError } from "../errors/proxy-error.ts";
import { anthropicRequestToStandard } from "../providers/anthropic/anthropic-request-to-standard.ts";
import {
  type StandardToAnthropicOptions,
  standardToAnthropicRequest,
} from "../providers/anthropic/standard-to-anthropic.ts";
import { openaiRequestToStandard } from "../providers/openai/openai-request-to-standard.ts";
import {
  type StandardToOpenAIOptions,
  standardToOpenAIRequest,
} from "../providers/openai/standard-to-openai.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import type { StandardRequest } from "../schema/standard-request.ts";

export interface ConvertRequestOptions extends StandardToAnthropicOptions, StandardToOpenAIOptions {
  /** Replaces the model, e.g. a fallback's `model` (`deepseek-chat` for a `claude-*` request). */
  readonly model?: string;
}

export interface ConvertedRequest {
  /** The body to send upstream. */
  readonly body: Buffer;
  /** What the client asked, in the standard schema (absent for a same-dialect pass-through). */
  readonly standard?: StandardRequest;
}

function parseBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    throw new ProxyError("bad_request", "The request body is not valid JSON.");
  }
}

/** Reads a request body in `dialect` into the standard request; throws a 400 ProxyError. */
export function readStandardRequest(dialect: Dialect, body: Uint8Array): StandardRequest {
  const parsed = parseBody(body);
  return dialect === "anthropic" ? anthropicRequestToStandard(parsed) : openaiRequestToStandard(parsed);
}

/** Writes a standard request as a `dialect` body; throws `conversion_unsupported` for what it cannot say. */
export function writeStandardRequest(
  dialect: Dialect,
  request: StandardRequest,
  options: ConvertRequestOptions = {},
): Buffer {
  const target = options.model === undefined ? request : { ...request, model: options.model };
  const body =
    dialect === "anthropic"
      ? standardToAnthropicRequest(target, options)
      : standardToOpenAIRequest(target, options);
  return Buffer.from(JSON.stringify(body));
}

/**
 * `from` → `to` with details. Same dialect: the body passes unchanged and unchecked (only the model is replaced
 * when asked), so nothing the client sent is lost to, or refused by, a trip through the standard schema.
 */
export function convertRequestDetailed(
  from: Dialect,
  to: Dialect,
  body: Uint8Array,
  options: ConvertRequestOptions = {},
): ConvertedRequest {
  if (from === to) {
    if (options.model === undefined) return { body: Buffer.from(body) };
    const parsed = parseBody(body);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ProxyError("bad_request", "The request body is not a JSON object.");
    }
    return { body: Buffer.from(JSON.stringify({ ...parsed, model: options.model })) };
  }
  const standard = readStandardRequest(from, body);
  return { body: writeStandardRequest(to, standard, options), standard };
}

/** A `from`-dialect request body → a `to`-dialect body; throws a ProxyError (400) it cannot convert. */
export function convertRequest(
  from: Dialect,
  to: Dialect,
  body: Uint8Array,
  options: ConvertRequestOptions = {},
): Buffer {
  return convertRequestDetailed(from, to, body, options).body;
}
