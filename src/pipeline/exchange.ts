// Exchange: the typed per-request record every stage reads and fills in.
import type { IncomingHttpHeaders } from "node:http";
import type { Credential } from "../credentials/credential.ts";
import type { ErrorKind } from "../errors/error-codes.ts";
import type { GenAiOperation } from "../providers/provider-adapter.ts";
import type { Route } from "../routing/route.ts";
import type { StandardFinishReason, StandardUsage } from "../schema/standard-usage.ts";

export interface InboundRequest {
  readonly method: string;
  /** Path without the query string, as the client sent it. */
  readonly path: string;
  /** Query string including the leading `?`, or empty. */
  readonly search: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole body, held (bounded by maxBodySize) so an attempt can be replayed. */
  readonly body: Buffer;
  /** Set when the body exceeded the listener's ceiling and was not read whole: the route answers 413. */
  readonly bodyTooLarge?: boolean;
  /** Which door the request came through. */
  readonly door: "proxy" | "intercept" | "tls";
  /** Host the client aimed at (intercept and tls doors). */
  readonly host?: string;
}

/** Monotonic timestamps in milliseconds from performance.now(). */
export interface Timings {
  readonly start: number;
  requestSent?: number;
  firstByte?: number;
  firstToken?: number;
  end?: number;
}

export interface Observation {
  /** The GenAI operation the client's path names; absent for other endpoints (model lists, files). */
  operation?: GenAiOperation;
  requestModel?: string;
  stream?: boolean;
  responseModel?: string;
  responseId?: string;
  usage: StandardUsage;
  finishReason?: StandardFinishReason;
  rawFinishReason?: string;
  /** An error the upstream reported inside a stream, or the proxy's own. */
  errorType?: string;
  /** The provider the route stage chose, before any fallback. */
  routedTo?: string;
  /** Which provider finally answered (differs from route.providerId after a fallback). */
  answeredBy?: string;
  keyId?: string;
}

export interface Exchange {
  readonly id: string;
  readonly request: InboundRequest;
  /** Aborts when the client goes away or the total timeout fires. */
  readonly signal: AbortSignal;
  readonly timings: Timings;
  route?: Route;
  /** The credential chosen for this attempt. Secret: never log or serialize the exchange. */
  credential?: Credential;
  /** 1 for the first upstream attempt. */
  attempt: number;
  readonly observed: Observation;
  /**
   * Aborts this attempt's upstream request, set per attempt by the resilience stage: the client went away,
   * the total deadline passed, or the attempt timed out before its first event. Dispatch falls back to `signal`.
   */
  attemptSignal?: AbortSignal;
  /** What the upstream answered on the last attempt, set by dispatch for the resilience stage's verdict. */
  upstream?: UpstreamReport;
  /**
   * The body to send upstream when it differs from the client's: converted to the provider's dialect by
   * the convert stage. Adapters read it through `upstreamRequestBody(exchange)`.
   */
  convertedBody?: Buffer;
}

/** The request body this attempt sends upstream: the converted one when the dialects differ. */
export function upstreamRequestBody(exchange: Exchange): Buffer {
  return exchange.convertedBody ?? exchange.request.body;
}

/** The upstream's answer as the retry verdict and the pacing need it (raw headers, parsed error). */
export interface UpstreamReport {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** For a status ≥ 400: the kind the adapter parsed from the error body (`billing`, `rate_limit` …). */
  readonly errorKind?: ErrorKind;
  /** For a 2xx stream whose first event was an error: the provider's error type (`overloaded_error`). */
  readonly firstEventError?: string;
}
