// UpstreamClient: one undici Pool per provider origin, keep-alive, warmed at start.
import type { IncomingHttpHeaders } from "node:http";
import type { UpstreamBody } from "./upstream-body.ts";

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
}

/** Connection counts of a client's pool, for the `outrigger_upstream_connections` gauge. */
export interface UpstreamPoolStats {
  readonly connected: number;
  readonly free: number;
  readonly pending: number;
  readonly queued: number;
  readonly running: number;
}

export interface UpstreamClient {
  readonly origin: string;
  /** baseUrl's path prefix, prepended to every upstream path. */
  readonly basePath: string;
  request(options: {
    method: string;
    path: string;
    headers: Record<string, string | string[]>;
    body: Buffer | undefined;
    signal: AbortSignal;
    headersTimeout?: number;
    /** The whole wait for the head from dispatch on, a wait for a pooled connection included. */
    headTimeout?: number;
  }): Promise<UpstreamResponse>;
  close(): Promise<void>;
  /** Current pool counts, read at scrape time (optional: test doubles need not have a pool). */
  stats?(): UpstreamPoolStats;
}
