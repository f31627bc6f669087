// Builds the headers sent upstream: the client's end-to-end headers minus its auth, plus the real credential.
import type { IncomingHttpHeaders } from "node:http";
import type { Credential } from "../credentials/credential.ts";
import { endToEndHeaders } from "../upstream/hop-by-hop.ts";

/**
 * The client's own key (a placeholder, or a real key it should not need) never leaves the pod;
 * host and length are set by undici for the upstream connection.
 */
const replacedByProxy = new Set([
  "host",
  "content-length",
  "x-api-key",
  "api-key",
  "authorization",
  "accept-encoding",
  // The pod token presented to the sidecar's inbound auth (src/auth/presented-token.ts) is for the sidecar only.
  "x-outrigger-token",
]);
/** A provider configured with no credentials at all relays the client's own key — to that provider only. */
const replacedWithoutCredential = new Set(["host", "content-length", "accept-encoding", "x-outrigger-token"]);

/**
 * `relayClientAuth`: whether the client's own key may travel, which is only when the provider has no
 * credential of its own AND is the one the client addressed (not a fallback, not a unified-route pick):
 * a key meant for one provider must never reach another.
 */
export function upstreamHeaders(
  inbound: IncomingHttpHeaders,
  credential: Credential | undefined,
  apiKeyHeader: "x-api-key" | "authorization",
  relayClientAuth = credential === undefined,
): Record<string, string | string[]> {
  const headers = endToEndHeaders(inbound, relayClientAuth ? replacedWithoutCredential : replacedByProxy);
  // The sidecar reads every response to observe usage, so it asks for the body uncompressed;
  // the hop to the app is loopback, where compression only costs CPU.
  headers["accept-encoding"] = "identity";
  if (credential?.kind === "token") {
    if (credential.header !== undefined && credential.header !== "authorization") {
      headers[credential.header.toLowerCase()] = credential.token;
    } else if (credential.style === "bearer" || credential.header === "authorization") {
      headers.authorization = `Bearer ${credential.token}`;
    } else if (apiKeyHeader === "x-api-key") {
      headers["x-api-key"] = credential.token;
    } else {
      headers.authorization = `Bearer ${credential.token}`;
    }
  }
  return headers;
}
