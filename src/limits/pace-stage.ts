// pace: per attempt, waits for the provider's buckets and header-driven pauses, then takes a bulkhead slot.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import { noteResilience } from "../telemetry/exchange-notes.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { type BulkheadSlots, createBulkheadSlots } from "./bulkhead-slots.ts";
import { estimateTokens } from "./estimate-tokens.ts";
import type { Limiter } from "./limiter.ts";
import { pauseFromHeaders } from "./pause-from-headers.ts";
import { sleep } from "./sleep.ts";

export interface PaceOptions {
  readonly limiter: Limiter;
  readonly metrics?: Metrics;
  /** Wall clock (epoch ms): reset times are absolute. */
  readonly now?: () => number;
}

/** Past the queue timeout: a 429 in the client's dialect, with the wait it would have needed. */
function tooLong(provider: string, wait: number): ProxyError {
  return new ProxyError(
    "pacing_wait_exceeded",
    `Provider '${provider}' is paced: the next slot is ${Math.ceil(wait)} ms away, beyond the queue timeout.`,
    { headers: { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) } },
  );
}

export function paceStage(options: PaceOptions): Stage {
  const { limiter, metrics } = options;
  const now = options.now ?? Date.now;
  const bulkheads = new Map<string, BulkheadSlots>();
  const slotsFor = (provider: ProviderRuntime): BulkheadSlots => {
    let slots = bulkheads.get(provider.id);
    if (slots === undefined) {
      slots = createBulkheadSlots(provider.config.resilience.bulkhead);
      bulkheads.set(provider.id, slots);
    }
    return slots;
  };

  async function waitForCapacity(
    exchange: Exchange,
    provider: ProviderRuntime,
    tokens: number,
  ): Promise<void> {
    const { pacing, bulkhead } = provider.config.resilience;
    const started = performance.now();
    const signal = exchange.attemptSignal ?? exchange.signal;
    let cause = "";
    for (;;) {
      const pending = limiter.acquire(provider.id, pacing, tokens);
      const wait = typeof pending === "number" ? pending : await pending;
      if (wait === 0) break;
      const left = bulkhead.queueTimeout - (performance.now() - started);
      if (wait > left) {
        metrics?.pacingRejections.inc({ provider: provider.id });
        throw tooLong(provider.id, wait);
      }
      cause = "pacing";
      await sleep(wait, signal);
    }
    if (cause !== "") {
      const waited = performance.now() - started;
      metrics?.pacingWait.observe({ provider: provider.id, cause }, waited / 1000);
      // For the chat span's outrigger.pacing.wait_ms.
      noteResilience(exchange, { pacingWaitMs: waited });
    }
  }

  return function pace(next: Handler): Handler {
    return async (exchange) => {
      const provider = exchange.route?.provider;
      if (provider === undefined) return next(exchange);
      const { pacing, bulkhead } = provider.config.resilience;
      // A pool's keys are paced one by one where the key is chosen (credentials stage); one key is the provider.
      const single = provider.credentials.length <= 1;
      const tokens =
        !single || pacing.tokensPerMinute === undefined ? 0 : estimateTokens(exchange.request.body);
      if (single) await waitForCapacity(exchange, provider, tokens);
      const response = await slotsFor(provider).run(
        () => next(exchange),
        exchange.attemptSignal ?? exchange.signal,
        bulkhead.queueTimeout,
      );
      const report = exchange.upstream;
      if (report !== undefined) {
        const state = provider.adapter.readRateLimits(report.headers, now());
        for (const dimension in state) {
          const { remaining } = state[dimension]!;
          if (remaining !== undefined) {
            metrics?.rateLimitRemaining.set({ provider: provider.id, dimension }, remaining);
          }
        }
        // With one key the limit is the provider's. A pool's limits are each key's: the credentials stage
        // pauses the key that was told, in this same limiter under the key's scope, so a fleet on Redis shares it.
        const until =
          provider.credentials.length <= 1
            ? pauseFromHeaders(state, report.status, report.headers, now())
            : undefined;
        if (until !== undefined) {
          metrics?.pauses.inc({ provider: provider.id, scope: "provider" });
          // Not awaited: the local pause holds at once; the fleet's copy must not delay this answer.
          void limiter.pause(provider.id, until);
        }
      }
      if (tokens === 0) return response;
      return {
        ...response,
        onFinished: (outcome) => {
          response.onFinished?.(outcome);
          const { inputTokens, outputTokens } = exchange.observed.usage;
          if (inputTokens === undefined && outputTokens === undefined) return;
          // The estimate was taken up front; the real usage corrects the bucket either way.
          void limiter.correct(provider.id, pacing, (inputTokens ?? 0) + (outputTokens ?? 0) - tokens);
        },
      };
    };
  };
}
