// The in-process limiter: token buckets and pauses in maps, on an injected clock.
import type { Limiter, PacingLimits } from "./limiter.ts";
import { type BucketState, correct, fullBucket, refill, take, waitFor } from "./token-bucket.ts";

interface ScopeState {
  requests?: BucketState;
  tokens?: BucketState;
  pausedUntil: number;
}

export interface LocalLimiter extends Limiter {
  acquire(scope: string, limits: PacingLimits, tokens: number): number;
  /** Epoch ms until which `scope` is paused, or 0. */
  pausedUntil(scope: string): number;
}

export function createLocalLimiter(options: { now?: () => number } = {}): LocalLimiter {
  const now = options.now ?? Date.now;
  const scopes = new Map<string, ScopeState>();
  const stateOf = (scope: string): ScopeState => {
    let state = scopes.get(scope);
    if (state === undefined) {
      state = { pausedUntil: 0 };
      scopes.set(scope, state);
    }
    return state;
  };

  return {
    acquire(scope, limits, tokens) {
      const state = stateOf(scope);
      const at = now();
      if (state.pausedUntil > at) return state.pausedUntil - at;
      const { requestsPerMinute, tokensPerMinute } = limits;
      let wait = 0;
      if (requestsPerMinute !== undefined) {
        state.requests ??= fullBucket(requestsPerMinute, at);
        refill(state.requests, requestsPerMinute, at);
        wait = waitFor(state.requests, requestsPerMinute, 1);
      }
      if (tokensPerMinute !== undefined && tokens > 0) {
        state.tokens ??= fullBucket(tokensPerMinute, at);
        refill(state.tokens, tokensPerMinute, at);
        wait = Math.max(wait, waitFor(state.tokens, tokensPerMinute, tokens));
      }
      if (wait > 0) return wait;
      if (requestsPerMinute !== undefined && state.requests) take(state.requests, requestsPerMinute, 1);
      if (tokensPerMinute !== undefined && state.tokens && tokens > 0)
        take(state.tokens, tokensPerMinute, tokens);
      return 0;
    },
    pause(scope, until) {
      const state = stateOf(scope);
      if (until > state.pausedUntil) state.pausedUntil = until;
    },
    correct(scope, limits, delta) {
      const bucket = scopes.get(scope)?.tokens;
      if (bucket !== undefined && limits.tokensPerMinute !== undefined) {
        refill(bucket, limits.tokensPerMinute, now());
        correct(bucket, limits.tokensPerMinute, delta);
      }
    },
    pausedUntil(scope) {
      const until = scopes.get(scope)?.pausedUntil ?? 0;
      return until > now() ? until : 0;
    },
    async close() {},
  };
}
