// Refresh events for telemetry (expiry timestamp, refreshes by outcome): a tiny hub with no secrets in it.

export type RefreshTrigger = "initial" | "background" | "retry" | "expired" | "invalidated";

export type CredentialEvent =
  | {
      readonly type: "refreshed";
      /** The source's safe description, e.g. `oauth2 client_credentials https://idp/token`. */
      readonly source: string;
      readonly trigger: RefreshTrigger;
      readonly keyId: string;
      /** Epoch ms; undefined for credentials that do not expire. */
      readonly expiresAt: number | undefined;
      readonly durationMs: number;
    }
  | {
      readonly type: "refresh-failed";
      readonly source: string;
      readonly trigger: RefreshTrigger;
      /** Safe text: names the source and the reason, never a secret. */
      readonly message: string;
      readonly consecutiveFailures: number;
      readonly retryInMs: number;
      readonly durationMs: number;
    }
  | {
      /** The last good token expired with no replacement: requests now fail until a refresh succeeds. */
      readonly type: "expired";
      readonly source: string;
      readonly expiresAt: number;
    };

export type CredentialEventListener = (event: CredentialEvent) => void;

export interface CredentialEventHub {
  subscribe(listener: CredentialEventListener): () => void;
  emit(event: CredentialEvent): void;
}

export function createCredentialEventHub(): CredentialEventHub {
  const listeners = new Set<CredentialEventListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A broken metrics hook must never break a refresh.
        }
      }
    },
  };
}

/** The process-wide hub refreshers report to unless given their own listener; telemetry subscribes here. */
export const credentialEvents: CredentialEventHub = createCredentialEventHub();
