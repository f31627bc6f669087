// What every JSON-over-HTTP chat protocol does alike: forward the request as routed, summarize a standard response.
import type { Credential } from "../credentials/credential.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import { type Exchange, upstreamRequestBody } from "../pipeline/exchange.ts";
import type { StandardResponse } from "../schema/standard-response.ts";
import type { ResponseSummary, UpstreamRequest } from "./provider-adapter.ts";
import { upstreamHeaders } from "./upstream-headers.ts";

/**
 * The client's own key goes upstream only to a provider without credentials of its own that the client
 * addressed itself: never to a fallback nor to a provider a unified route picked by model.
 */
export function relaysClientAuth(exchange: Exchange, credential: Credential | undefined): boolean {
  const route = exchange.route;
  return (
    credential === undefined &&
    route !== undefined &&
    route.unified !== true &&
    exchange.observed.routedTo === route.provider.id
  );
}

/** The request as routed (path after the prefix, converted body when dialects differ) with the key injected. */
export function prepareRoutedRequest(
  exchange: Exchange,
  credential: Credential | undefined,
  apiKeyHeader: "x-api-key" | "authorization",
): UpstreamRequest {
  const body = upstreamRequestBody(exchange);
  return {
    method: exchange.request.method,
    path: exchange.route?.upstreamPath ?? exchange.request.path + exchange.request.search,
    headers: upstreamHeaders(
      exchange.request.headers,
      credential,
      apiKeyHeader,
      relaysClientAuth(exchange, credential),
    ),
    body: body.length === 0 ? undefined : body,
  };
}

export function summarizeStandardResponse(response: StandardResponse | undefined): ResponseSummary {
  if (response === undefined) return { usage: {} };
  return {
    ...(response.id === undefined ? {} : { id: response.id }),
    ...(response.model === undefined ? {} : { model: response.model }),
    usage: response.usage,
    ...(response.finishReason === undefined ? {} : { finishReason: response.finishReason }),
    ...(response.rawFinishReason === undefined ? {} : { rawFinishReason: response.rawFinishReason }),
  };
}

/** A request body that must be a JSON object (cloud platforms rewrite it); a 400 in the client's dialect otherwise. */
export function parseJsonObjectBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ProxyError("bad_request", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ProxyError("bad_request", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}
