// The only contract the core sees of a wire protocol: prepare, decode, parse and render errors, read limits.
import type { IncomingHttpHeaders } from "node:http";
import type { Credential } from "../credentials/credential.ts";
import type { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { StandardEventDecoder } from "../schema/standard-event.ts";
import type { StandardFinishReason, StandardUsage } from "../schema/standard-usage.ts";

/** The client-facing dialect a protocol speaks; errors are rendered in it. */
export type Dialect = "anthropic" | "openai";

/** GenAI operations (the semantic conventions' `gen_ai.operation.name` values) a client's path can name. */
export type GenAiOperation = "chat" | "embeddings" | "text_completion";

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query relative to the provider's baseUrl path. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | undefined;
}

export interface ResponseTranslation {
  /** The content type the client receives instead of the upstream's. */
  readonly contentType: string;
  translate(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
}

export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Remaining / reset per rate-limit dimension (requests, tokens, input-tokens, output-tokens). */
export interface RateLimitDimension {
  readonly limit?: number;
  readonly remaining?: number;
  /** Epoch milliseconds when the dimension resets. */
  readonly resetAt?: number;
}
export type RateLimitState = Readonly<Record<string, RateLimitDimension>>;

/** What a non-streaming body says, for telemetry. */
export interface ResponseSummary {
  readonly id?: string;
  readonly model?: string;
  readonly usage: StandardUsage;
  readonly finishReason?: StandardFinishReason;
  readonly rawFinishReason?: string;
}

export interface RequestSummary {
  readonly model?: string;
  readonly stream: boolean;
}

/** What a decoder is for: every event (conversion, captured content), or the observation alone. */
export interface DecoderUse {
  readonly observeOnly?: boolean;
}

export interface ProviderAdapter {
  readonly protocol: string;
  readonly dialect: Dialect;
  /**
   * The chat endpoint, relative to baseUrl, used when the client's path does not name it: the unified routes
   * and cross-dialect fallback (`/v1/messages`, `/v1/chat/completions`). Adapters that build their own path
   * from the request (Vertex, Bedrock) may omit it.
   */
  readonly chatPath?: string;
  /**
   * The GenAI operation a client's path names in this adapter's dialect (query excluded), or undefined for
   * endpoints that are not one (model lists, files, token counts): those get no GenAI span or metrics.
   */
  genAiOperation(path: string): GenAiOperation | undefined;
  /** Reads model and stream flag from a request body; never throws on bad input. */
  summarizeRequest(body: Buffer, headers: IncomingHttpHeaders): RequestSummary;
  /** Builds the upstream request; idempotent so retries can call it again. May be async (SigV4 signs the whole request). */
  prepare(exchange: Exchange, credential: Credential | undefined): UpstreamRequest | Promise<UpstreamRequest>;
  /**
   * For an upstream framed unlike the client's dialect (Bedrock's eventstream → Anthropic SSE): rewrites a 2xx
   * body as it streams. Absent or undefined: the bytes pass unchanged. `decoderFor` then reads the rewritten body.
   */
  translateResponse?(contentType: string | undefined): ResponseTranslation | undefined;
  /**
   * True when the upstream's error bodies are not in the client's dialect (Vertex's Google envelope, Bedrock's
   * `{message}`): dispatch answers with `renderError(parseError(…))` instead of relaying the bytes.
   */
  readonly renderUpstreamErrors?: boolean;
  /**
   * A decoder from this protocol's response bytes into standard events, or undefined when not decodable.
   * `observeOnly`: for the observation alone, which needs a stream's first content and its outcome but not
   * every delta; such a decoder may leave content deltas after the first undecoded.
   */
  decoderFor(contentType: string | undefined, use?: DecoderUse): StandardEventDecoder | undefined;
  /** Reads a complete non-streaming JSON body. */
  summarizeResponse(body: unknown): ResponseSummary;
  parseError(status: number, headers: IncomingHttpHeaders, body: string): ProxyError;
  readRateLimits(headers: IncomingHttpHeaders, now: number): RateLimitState;
  renderError(error: ProxyError): RenderedError;
  /** Bytes that end a stream with an error event the dialect's SDKs raise. */
  renderStreamError(error: ProxyError): Uint8Array;
}
