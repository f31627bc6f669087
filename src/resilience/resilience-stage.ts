// resilience: runs each request's attempts under its provider's cockatiel policy; falls back when a circuit is open or attempts are spent.
import { isBrokenCircuitError } from "cockatiel";
import { ProxyError, toProxyError } from "../errors/proxy-error.ts";
import { sleep } from "../limits/sleep.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { RouteTable } from "../routing/route-table.ts";
import { noteResilience } from "../telemetry/exchange-notes.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { clientLeft, failureOf } from "./attempt-failure.ts";
import { exchangeForFallback, type FallbackCandidate, fallbackCandidates } from "./fallback.ts";
import { type AttemptFailure, isBreakerFailure, isRetryable } from "./is-retryable.ts";
import { type AttemptResult, createProviderPolicy, type ProviderPolicy } from "./provider-policy.ts";
import { retryDelay } from "./retry-delay.ts";

export interface ResilienceOptions {
  readonly table: RouteTable;
  readonly metrics?: Metrics;
  /** Wall clock (epoch ms) for HTTP dates and reset times. */
  readonly now?: () => number;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/** The proxy has decided: the SDK must not multiply its attempts (the official SDKs honour this header). */
const noRetry = { "x-should-retry": "false" } as const;

function withHeaders(
  response: ProxyResponse,
  extra: Record<string, string> | undefined,
  finish: () => void,
): ProxyResponse {
  return {
    ...response,
    // A success keeps its headers object: no copy on the hot path.
    headers: extra === undefined ? response.headers : { ...response.headers, ...extra },
    onFinished: (outcome) => {
      finish();
      response.onFinished?.(outcome);
    },
  };
}

export function resilienceStage(options: ResilienceOptions): Stage {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { metrics } = options;
  const policies = new Map<string, ProviderPolicy>();
  const policyFor = (provider: ProviderRuntime): ProviderPolicy => {
    let policy = policies.get(provider.id);
    if (policy === undefined) {
      policy = createProviderPolicy(provider.id, provider.config.resilience, metrics);
      policies.set(provider.id, policy);
    }
    return policy;
  };

  return function resilience(next: Handler): Handler {
    async function attempts(
      exchange: Exchange,
      policy: ProviderPolicy,
      lifetime: AbortSignal,
    ): Promise<AttemptResult> {
      const { retry: retryConfig, timeouts } = policy.config;
      const provider = policy.providerId;
      let attempt = 0;
      // The wait the previous attempt's verdict chose, slept between retry and breaker: a client that
      // leaves mid-wait ends the request at once.
      let waitBeforeNext = 0;
      // Why the previous attempt is being retried: counted when the retry really starts, so a retry the
      // breaker then refuses (it opened on that very failure) is not counted as made.
      let retryReason: string | undefined;
      const beforeRetry = (): Promise<void> => sleep(waitBeforeNext, lifetime);
      const runAttempt = async (): Promise<AttemptResult> => {
        // The client left (or the deadline passed) during a backoff: no new attempt, no pacing token spent.
        if (lifetime.aborted) throw lifetime.reason;
        attempt += 1;
        exchange.attempt = attempt;
        if (retryReason !== undefined) {
          metrics?.retries.inc({ provider, reason: retryReason });
          retryReason = undefined;
        }
        // For the chat span's outrigger.breaker.state: the state that let this attempt through.
        noteResilience(exchange, { breakerState: policy.state() });
        metrics?.attempts.inc({ provider });
        // Aborts this attempt alone (a retry or fallback discards it), or with the request (client, deadline).
        const controller = new AbortController();
        lifetime.addEventListener("abort", () => controller.abort(lifetime.reason), { once: true });
        exchange.attemptSignal = controller.signal;
        let response: ProxyResponse | undefined;
        let error: ProxyError | undefined;
        try {
          response = await next(exchange);
        } catch (thrown) {
          // The client left, or the total deadline passed: nothing more to try.
          if (lifetime.aborted) throw thrown;
          error = toProxyError(thrown);
        }
        const failure: AttemptFailure | undefined =
          error !== undefined ? { type: "error", code: error.code } : failureOf(response!, exchange.upstream);
        // A success: the common path, one small object.
        if (failure === undefined) return { response: response!, retry: false, breakerFailure: false };
        const verdict = isRetryable(failure);
        let retry = verdict.retryable && attempt < retryConfig.maxAttempts;
        let delay = 0;
        if (retry) {
          const headers = exchange.upstream?.headers;
          const route = exchange.route;
          const elapsed = performance.now() - exchange.timings.start;
          const decided = retryDelay({
            attempt,
            ...(headers === undefined ? {} : { headers }),
            ...(headers === undefined || route === undefined
              ? {}
              : { rateLimits: route.provider.adapter.readRateLimits(headers, now()) }),
            now: now(),
            random,
            retry: retryConfig,
            clientLeft: clientLeft(exchange, timeouts.total, elapsed),
          });
          if (decided.take) delay = decided.delay;
          else retry = false;
          // A pool's 429 is one key's limit: the key cools down and the retry goes at once to another key
          // (the credentials stage waits for the first key to come back when none is free).
          if (
            failure.type === "response" &&
            failure.status === 429 &&
            (route?.provider.credentials.length ?? 0) > 1
          ) {
            retry = verdict.retryable && attempt < retryConfig.maxAttempts;
            delay = 0;
          }
        }
        if (retry && !policy.budget.tryRetry()) {
          retry = false;
          metrics?.retryBudgetRefusals.inc({ provider });
        }
        if (retry) {
          waitBeforeNext = delay;
          retryReason = verdict.reason;
          // A failed stream (error as first event) still holds its connection and its bulkhead slot: release both.
          controller.abort(new ProxyError("upstream_error", "Attempt discarded for a retry."));
          response?.onFinished?.({ completed: false });
        }
        return {
          ...(response === undefined ? {} : { response }),
          ...(error === undefined ? {} : { error }),
          retry,
          breakerFailure: isBreakerFailure(failure),
          spent: verdict.retryable && !retry,
          discard: () => {
            controller.abort(new ProxyError("upstream_error", "Attempt discarded for a fallback."));
            response?.onFinished?.({ completed: false });
          },
        };
      };
      return policy.execute(runAttempt, beforeRetry, lifetime);
    }

    async function run(exchange: Exchange, provider: ProviderRuntime, depth: number): Promise<ProxyResponse> {
      const policy = policyFor(provider);
      policy.budget.recordRequest();
      // Aborts when the client goes away or the total deadline passes: every attempt hangs off it.
      const deadline = new AbortController();
      const onClientGone = (): void => deadline.abort(exchange.signal.reason);
      if (exchange.signal.aborted) onClientGone();
      else exchange.signal.addEventListener("abort", onClientGone, { once: true });
      const timer = setTimeout(() => {
        deadline.abort(
          new ProxyError(
            "upstream_total_timeout",
            `The request exceeded its total timeout of ${policy.config.timeouts.total} ms.`,
          ),
        );
      }, policy.config.timeouts.total);
      timer.unref();
      const finish = (): void => {
        clearTimeout(timer);
        exchange.signal.removeEventListener("abort", onClientGone);
      };
      const lifetime = deadline.signal;
      let result: AttemptResult;
      try {
        result = await attempts(exchange, policy, lifetime);
      } catch (error) {
        finish();
        if (isBrokenCircuitError(error)) return openCircuit(exchange, provider, policy, depth);
        if (deadline.signal.aborted && !exchange.signal.aborted) {
          const total = policy.config.timeouts.total;
          throw new ProxyError(
            "upstream_total_timeout",
            `The request exceeded its total timeout of ${total} ms.`,
            {
              headers: noRetry,
            },
          );
        }
        throw error;
      }
      if (result.spent === true && depth < 3) {
        const candidate = nextFallback(exchange, provider);
        if (candidate !== undefined) {
          finish();
          // The failed answer is dropped for the fallback's: release its connection and slot.
          result.discard?.();
          return run(exchangeForFallback(exchange, candidate), candidate.provider, depth + 1);
        }
      }
      if (result.error !== undefined) {
        finish();
        const { error } = result;
        throw new ProxyError(error.code, error.message, {
          status: error.status,
          kind: error.kind,
          retryable: false,
          headers: { ...error.headers, ...noRetry },
          cause: error.cause,
        });
      }
      const response = result.response!;
      // A 200 stream whose first event is an error (Anthropic's overloaded_error) is a failure the proxy
      // has decided on too, though the SDKs do not retry a 200 today.
      const failed = response.status >= 400 || exchange.upstream?.firstEventError !== undefined;
      return withHeaders(response, failed ? noRetry : undefined, finish);
    }

    /** The first fallback target not yet tried for this request whose own circuit is not open. */
    function nextFallback(
      exchange: Exchange,
      provider: ProviderRuntime,
      route = exchange.route,
    ): FallbackCandidate | undefined {
      if (route === undefined) return undefined;
      for (const candidate of fallbackCandidates(route, options.table)) {
        if (candidate.provider.id === exchange.observed.routedTo || candidate.provider === provider) continue;
        if (policyFor(candidate.provider).halfOpenIn() > 0) continue;
        return candidate;
      }
      return undefined;
    }

    /** An open circuit: the first fallback whose own circuit is not open, else a fast in-dialect error. */
    async function openCircuit(
      exchange: Exchange,
      provider: ProviderRuntime,
      policy: ProviderPolicy,
      depth: number,
    ): Promise<ProxyResponse> {
      if (depth < 3) {
        const route = exchange.route ?? {
          provider,
          upstreamPath: "",
          clientDialect: provider.adapter.dialect,
        };
        const candidate = nextFallback(exchange, provider, route);
        if (candidate !== undefined) {
          return run(exchangeForFallback(exchange, candidate), candidate.provider, depth + 1);
        }
      }
      // For the chat span's outrigger.breaker.state: this call was refused by the open circuit.
      noteResilience(exchange, { breakerState: "open" });
      const seconds = Math.max(1, Math.ceil(policy.halfOpenIn() / 1000));
      // 529 is Anthropic's overloaded status; the OpenAI dialect renders it as 503.
      throw new ProxyError("circuit_open", `Provider '${provider.id}' is failing; its circuit is open.`, {
        status: 529,
        headers: { "retry-after": String(seconds), ...noRetry },
      });
    }

    return (exchange) => {
      const route = exchange.route;
      if (route === undefined) return next(exchange);
      return run(exchange, route.provider, 0);
    };
  };
}
