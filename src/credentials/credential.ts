// What a credential source hands the pipeline: a secret to inject, never logged, with a safe id for telemetry.

export type Credential =
  | {
      readonly kind: "token";
      /** The secret. Never log, label or echo it. */
      readonly token: string;
      /** How the token is meant to be sent: a raw API key, or an OAuth/JWT bearer token. */
      readonly style: "api-key" | "bearer";
      /** Header to carry it when the source names one (jwt `header` option); else the protocol decides. */
      readonly header?: string;
      /** Short hash of the secret: safe for metrics, traces and /readyz. */
      readonly keyId: string;
      /** Epoch milliseconds after which the token is no longer valid. */
      readonly expiresAt?: number;
    }
  | {
      readonly kind: "aws";
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly sessionToken?: string;
      readonly region: string;
      readonly keyId: string;
      readonly expiresAt?: number;
    };

export interface CredentialStatus {
  readonly available: boolean;
  /** Human text safe to show: names the env var or file, never the value. */
  readonly detail: string;
  readonly keyId?: string;
  readonly expiresAt?: number;
}

export interface CredentialSource {
  /** Safe description, e.g. `env ANTHROPIC_API_KEY` or `file /var/run/secrets/key`. */
  readonly description: string;
  /** The current credential; throws a ProxyError (`credential_missing` …) when none can be had. */
  current(): Promise<Credential>;
  status(): CredentialStatus;
  /**
   * Forget the cached value so the next `current()` fetches anew (after an upstream 401). With the rejected
   * credential's keyId, a call about a credential already replaced is ignored (a burst of 401s refreshes once).
   */
  invalidate(rejectedKeyId?: string): void;
  close(): void;
}
