// Finds the token an app presents to the sidecar: its SDK sends the pod token as its own API key or bearer token.
import type { IncomingHttpHeaders } from "node:http";
import { firstValue } from "../pipeline/header-value.ts";

function first(value: string | string[] | undefined): string | undefined {
  const trimmed = firstValue(value)?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * `x-outrigger-token` first (explicit), then `Authorization: Bearer` (OpenAI SDKs, Anthropic OAuth),
 * then `x-api-key` (Anthropic SDKs) and `api-key` (Azure-style SDKs).
 */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const explicit = first(headers["x-outrigger-token"]);
  if (explicit !== undefined) return explicit;
  const authorization = first(headers.authorization);
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match?.[1] !== undefined) return match[1];
  }
  return first(headers["x-api-key"]) ?? first(headers["api-key"]);
}
