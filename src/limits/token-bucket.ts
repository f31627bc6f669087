// Token buckets per minute, as pure functions over a small state: the local limiter and the Redis script agree on them.

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedAt: number;
}

/** A full bucket: a fresh sidecar may spend a minute's allowance at once, as the provider would allow. */
export function fullBucket(capacity: number, now: number): BucketState {
  return { tokens: capacity, updatedAt: now };
}

/** Brings `state` up to `now`, refilling `capacity` per 60 s. */
export function refill(state: BucketState, capacity: number, now: number): void {
  if (now > state.updatedAt) {
    state.tokens = Math.min(capacity, state.tokens + ((now - state.updatedAt) * capacity) / 60_000);
    state.updatedAt = now;
  }
}

/**
 * Milliseconds until `cost` is available (0: available now). A cost above the capacity is clamped to it,
 * so one oversized request waits for a full bucket instead of forever.
 */
export function waitFor(state: BucketState, capacity: number, cost: number): number {
  const missing = Math.min(cost, capacity) - state.tokens;
  return missing <= 0 ? 0 : Math.ceil((missing * 60_000) / capacity);
}

/** Takes `cost` (possibly into debt, when usage corrections say the estimate was low), floored at -capacity. */
export function take(state: BucketState, capacity: number, cost: number): void {
  state.tokens = Math.max(-capacity, state.tokens - Math.min(cost, capacity));
}

/** Gives back (negative `delta`) or takes more (positive) once the real usage is known. */
export function correct(state: BucketState, capacity: number, delta: number): void {
  state.tokens = Math.max(-capacity, Math.min(capacity, state.tokens - delta));
}
