// One cockatiel policy per provider, from its config: retry ∘ circuit breaker, plus a retry budget.
import {
  CircuitState,
  ConstantBackoff,
  circuitBreaker,
  handleWhenResult,
  retry,
  SamplingBreaker,
} from "cockatiel";
import type { ResilienceConfig } from "../config/config-types.ts";
import type { ProxyError } from "../errors/proxy-error.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { createRetryBudget, type RetryBudget } from "./retry-budget.ts";

/** What one attempt function returns to the policy: it never throws for an upstream failure, it reports it. */
export interface AttemptResult {
  readonly response?: ProxyResponse;
  readonly error?: ProxyError;
  /**
   * Decided by the verdict, the delay, the attempt count and the budget — before cockatiel sees the result.
   * The delay itself is slept by `execute`'s `beforeRetry`, so cockatiel's own backoff is zero.
   */
  readonly retry: boolean;
  readonly breakerFailure: boolean;
  /** A retryable failure that got no more attempts here: a fallback provider may still serve it. */
  readonly spent?: boolean;
  /** Releases a failed attempt that will not be answered with (its upstream body, its bulkhead slot). */
  readonly discard?: () => void;
}

export interface ProviderPolicy {
  readonly providerId: string;
  readonly config: ResilienceConfig;
  /**
   * Runs a request's attempts under retry ∘ breaker. `beforeRetry` (the wait the last verdict chose) runs
   * between the two policies: abortable, unlike cockatiel's own backoff timer, and outside the breaker, so
   * a retry that is waiting never holds a half-open circuit's one probe.
   */
  execute(
    attempt: () => Promise<AttemptResult>,
    beforeRetry: () => Promise<void>,
    signal: AbortSignal,
  ): Promise<AttemptResult>;
  readonly budget: RetryBudget;
  /** Milliseconds until an open circuit lets a probe through; 0 when it is not open. */
  halfOpenIn(): number;
  /** The breaker's state by name (`closed`, `open`, `half-open`, `isolated`), for spans. */
  state(): string;
}

const stateNames: Record<CircuitState, string> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

function isAttemptResult(value: unknown): value is AttemptResult {
  return typeof value === "object" && value !== null && "retry" in value && "breakerFailure" in value;
}

export function createProviderPolicy(
  providerId: string,
  config: ResilienceConfig,
  metrics: Metrics | undefined,
): ProviderPolicy {
  const retryPolicy = retry(
    handleWhenResult((result) => isAttemptResult(result) && result.retry),
    // cockatiel counts retries; the config counts attempts.
    { maxAttempts: Math.max(0, config.retry.maxAttempts - 1), backoff: new ConstantBackoff(0) },
  );
  const windowSeconds = config.breaker.window / 1000;
  const breakerPolicy = circuitBreaker(
    handleWhenResult((result) => isAttemptResult(result) && result.breakerFailure),
    {
      halfOpenAfter: config.breaker.halfOpenAfter,
      breaker: new SamplingBreaker({
        // cockatiel wants (0, 1): a ratio of 1 means "every request failed", just under it behaves the same.
        threshold: Math.min(config.breaker.failureRatio, 0.999),
        duration: config.breaker.window,
        minimumRps: config.breaker.minRequests / windowSeconds,
      }),
    },
  );
  let openedAt = 0;
  breakerPolicy.onBreak(() => {
    openedAt = Date.now();
  });
  metrics?.circuitState.set({ provider: providerId }, 0);
  breakerPolicy.onStateChange((state) => {
    metrics?.circuitState.set({ provider: providerId }, state === CircuitState.Isolated ? 1 : state);
    metrics?.circuitTransitions.inc({ provider: providerId, state: stateNames[state] });
  });
  const budget = createRetryBudget({ ratio: config.retry.budgetRatio });

  return {
    providerId,
    config,
    // No cockatiel timeout in the wrap: an attempt's clocks are the named timeouts, each kept where it can
    // be precise (connect by undici, firstByte as undici's headersTimeout, firstToken and idle in dispatch,
    // total as the request's deadline). A third, coarser clock around them cost about 10 µs of CPU per
    // request in bench/ (an AbortController, a timer and four listeners per attempt) and never fired first.
    // cockatiel's wrap(retry, breaker) nests the two executes the same way; spelled out for the wait between.
    execute: (attempt, beforeRetry, signal) =>
      retryPolicy.execute(async (context) => {
        if (context.attempt > 0) await beforeRetry();
        return breakerPolicy.execute(attempt, signal);
      }, signal),
    budget,
    state: () => stateNames[breakerPolicy.state],
    halfOpenIn: () =>
      breakerPolicy.state === CircuitState.Open
        ? Math.max(0, openedAt + config.breaker.halfOpenAfter - Date.now())
        : 0,
  };
}
