// Key choice for a pooled attempt: the next key that is neither cooling here, nor paused for the fleet, nor out of its bucket.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Limiter } from "../limits/limiter.ts";
import { sleep } from "../limits/sleep.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { CredentialSource } from "./credential.ts";
import type { KeyPool } from "./key-pool.ts";

export interface KeyChooserOptions {
  readonly now: () => number;
  /** Holds each key's buckets and pauses under its scope: local, or shared by the fleet on Redis. */
  readonly limiter?: Limiter;
  readonly metrics?: Metrics;
}

export interface KeyChooser {
  /**
   * The key for this attempt; when none is free, waits for the first, within the queue timeout and the
   * attempt's signal. With `tried` (a resend after a 401/403), only keys not used yet, and undefined when
   * every other key is set aside.
   */
  pick(
    exchange: Exchange,
    provider: ProviderRuntime,
    pool: KeyPool,
    tokens: number,
    tried?: ReadonlySet<CredentialSource>,
  ): Promise<CredentialSource | undefined>;
}

/** A pooled key's pacing scope: by position, the same in every sidecar of a fleet with the same config. */
export function keyScope(provider: ProviderRuntime, pool: KeyPool, source: CredentialSource): string {
  return `${provider.id}/key${pool.sources.indexOf(source)}`;
}

export function createKeyChooser(options: KeyChooserOptions): KeyChooser {
  const { now, limiter, metrics } = options;
  return {
    async pick(exchange, provider, pool, tokens, tried) {
      const started = performance.now();
      const { bulkhead, pacing } = provider.config.resilience;
      const { queueTimeout } = bulkhead;
      for (;;) {
        let wait = Number.POSITIVE_INFINITY;
        for (let tries = 0; tries < pool.sources.length; tries++) {
          const pick = pool.pick(now(), tried);
          if ("exhausted" in pick) return undefined;
          if (!("source" in pick)) {
            wait = Math.min(wait, pick.waitUntil - now());
            break;
          }
          // Asked even without `pacing`: another sidecar may have paused this key (a 429, `remaining: 0`),
          // and a pause lives in the limiter under the key's scope. A pool's keys are usually separate
          // accounts, so `pacing` applies per key too.
          const pending = limiter?.acquire(keyScope(provider, pool, pick.source), pacing, tokens) ?? 0;
          const keyWait = typeof pending === "number" ? pending : await pending;
          if (keyWait === 0) {
            if (performance.now() - started > 1) {
              metrics?.pacingWait.observe(
                { provider: provider.id, cause: "key_cooldown" },
                (performance.now() - started) / 1000,
              );
            }
            return pick.source;
          }
          wait = Math.min(wait, keyWait);
        }
        if (wait > queueTimeout - (performance.now() - started)) {
          metrics?.pacingRejections.inc({ provider: provider.id });
          throw new ProxyError(
            "pacing_wait_exceeded",
            `Every key of provider '${provider.id}' is rate-limited.`,
            { headers: { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) } },
          );
        }
        await sleep(Math.max(1, wait), exchange.attemptSignal ?? exchange.signal);
      }
    },
  };
}
