// The parsed, validated configuration (DESIGN.md §10): durations in milliseconds, sizes in bytes.
// Key names are public API: extend, never rename.

/** A secret value's origin; the value itself is read at use, never stored in the config. */
export type SecretRef = { readonly env: string } | { readonly file: string };

export type Protocol = "anthropic" | "openai" | "vertex-anthropic" | "bedrock-anthropic" | "ollama";

export type CredentialConfig =
  | { readonly env: string }
  | { readonly file: string }
  | { readonly exec: { readonly command: readonly string[]; readonly ttl: number; readonly timeout: number } }
  | {
      readonly jwt: {
        readonly algorithm: "HS256" | "HS384" | "HS512" | "RS256" | "ES256";
        readonly key: SecretRef;
        readonly claims: Readonly<Record<string, unknown>>;
        readonly lifetime: number;
        readonly refreshBefore: number;
        /** Header that carries the token; default `authorization` (as `Bearer <jwt>`). */
        readonly header: string;
      };
    }
  | {
      readonly oauth2:
        | {
            readonly grant: "client_credentials";
            readonly tokenUrl: string;
            readonly clientId: SecretRef;
            readonly clientSecret: SecretRef;
            readonly scope?: string;
            readonly audience?: string;
            readonly authMethod: "client_secret_post" | "client_secret_basic";
          }
        | {
            readonly grant: "jwt_bearer";
            readonly serviceAccount: SecretRef;
            readonly tokenUrl?: string;
            readonly scope?: string;
          };
    }
  | {
      readonly aws: {
        readonly region: string;
        readonly accessKeyId: SecretRef;
        readonly secretAccessKey: SecretRef;
        readonly sessionToken?: SecretRef;
      };
    };

export interface RetryConfig {
  readonly maxAttempts: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly maxWait: number;
  readonly budgetRatio: number;
}
export interface BreakerConfig {
  readonly failureRatio: number;
  readonly minRequests: number;
  readonly window: number;
  readonly halfOpenAfter: number;
}
export interface TimeoutsConfig {
  readonly connect: number;
  readonly firstByte: number;
  readonly firstToken: number;
  readonly idle: number;
  readonly total: number;
}
export interface BulkheadConfig {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly queueTimeout: number;
}
export interface PacingConfig {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}
export interface ResilienceConfig {
  readonly retry: RetryConfig;
  readonly breaker: BreakerConfig;
  readonly timeouts: TimeoutsConfig;
  readonly bulkhead: BulkheadConfig;
  readonly pacing: PacingConfig;
}

export interface FallbackTarget {
  readonly provider: string;
  readonly model?: string;
}

export interface ProviderConfig {
  readonly protocol: Protocol;
  /** Absolute http(s) URL; may carry a path prefix. No trailing slash after parsing. */
  readonly baseUrl: string;
  readonly hosts: readonly string[];
  readonly credentials: readonly CredentialConfig[];
  readonly tls: { readonly minVersion: "TLSv1.2" | "TLSv1.3"; readonly ca?: string };
  readonly pool: { readonly connections: number; readonly warm: number };
  readonly maxBodySize: number;
  readonly resilience: ResilienceConfig;
  readonly fallback: readonly FallbackTarget[];
  readonly vertex?: { readonly project: string; readonly region: string };
}

export interface ModelRule {
  readonly match: string;
  readonly provider: string;
  readonly fallback: readonly FallbackTarget[];
}

export interface OutriggerConfig {
  readonly listen: {
    /** `host:port` strings. */
    readonly proxy: string;
    readonly intercept?: string;
    readonly tls?: string;
    readonly admin: string;
  };
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly models: readonly ModelRule[];
  readonly intercept: {
    readonly ca?:
      | { readonly cert: string; readonly key: string }
      | {
          readonly generate: string;
          /** Also write ca.pem and ca-bundle.pem here (never the key): the directory app containers mount. */
          readonly publish?: string;
        };
    readonly passthrough: "allow" | "deny";
    readonly leafValidity: number;
  };
  readonly redis?: {
    readonly url: string;
    readonly keyPrefix: string;
    /** Redis AUTH password, kept out of `url` so the URL can be logged and printed. */
    readonly password?: SecretRef;
  };
  readonly auth?:
    | { readonly token: SecretRef }
    | {
        readonly jwks: { readonly file: string } | { readonly url: string };
        readonly audience?: string;
        readonly issuer?: string;
      };
  readonly telemetry: {
    readonly tracing: { readonly enabled?: boolean; readonly propagateUpstream: boolean };
    readonly captureContent: boolean;
    readonly accessLog: { readonly enabled: boolean; readonly level: string };
    readonly metrics: { readonly maxModels: number };
  };
  readonly shutdown: { readonly grace: number };
}

export interface LoadedConfig {
  readonly config: OutriggerConfig;
  /** The file the config came from, or undefined for the built-in defaults. */
  readonly file?: string;
}
