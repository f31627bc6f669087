// The pacing contract shared by the local and the Redis-backed limiter: buckets per scope and header-driven pauses.

export interface PacingLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

export interface Limiter {
  /**
   * Takes one request and `tokens` from `scope`'s buckets and returns 0, or returns the milliseconds to wait
   * (a pause, or an empty bucket) and takes nothing. Synchronous when local, so the common path allocates nothing.
   */
  acquire(scope: string, limits: PacingLimits, tokens: number): number | Promise<number>;
  /** A provider said remaining 0 until `until` (epoch ms): no request for `scope` before then. */
  pause(scope: string, until: number): void | Promise<void>;
  /** Corrects the token bucket by `delta` once the real usage is known (positive: the estimate was low). */
  correct(scope: string, limits: PacingLimits, delta: number): void | Promise<void>;
  close(): Promise<void>;
}
