// credentials: picks this attempt's credential from the provider's pool; dispatch injects it.
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { CredentialSource } from "./credential.ts";

/** Spreads requests across the available keys of a pool; the resilience work adds cool-downs. */
function pick(sources: readonly CredentialSource[], turn: number): CredentialSource {
  for (let offset = 0; offset < sources.length; offset++) {
    const source = sources[(turn + offset) % sources.length]!;
    if (source.status().available) return source;
  }
  // None available: asking the first one yields the error that names what to set.
  return sources[0]!;
}

export function credentialsStage(): Stage {
  return function credentials(next: Handler): Handler {
    let turn = 0;
    return async (exchange) => {
      const sources = exchange.route?.provider.credentials ?? [];
      if (sources.length === 0) {
        exchange.credential = undefined;
        return next(exchange);
      }
      const source = sources.length === 1 ? sources[0]! : pick(sources, turn++);
      const credential = await source.current();
      exchange.credential = credential;
      exchange.observed.keyId = credential.keyId;
      const response = await next(exchange);
      if (response.status !== 401 || exchange.signal.aborted) return response;
      // A 401 may mean the token was revoked or rotated early: refresh once, and retry only with a new credential.
      source.invalidate(credential.keyId);
      const fresh = await source.current().catch(() => credential);
      if (fresh.keyId === credential.keyId) return response;
      exchange.credential = fresh;
      exchange.observed.keyId = fresh.keyId;
      return next(exchange);
    };
  };
}
