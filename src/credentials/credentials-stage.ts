// credentials: picks this attempt's key from the provider's pool, injects nothing itself (dispatch does), learns from the answer.
import { performance } from "node:perf_hooks";
import { ProxyError } from "../errors/proxy-error.ts";
import { estimateTokens } from "../limits/estimate-tokens.ts";
import type { Limiter } from "../limits/limiter.ts";
import { sleep } from "../limits/sleep.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { Credential, CredentialSource } from "./credential.ts";
import { createKeyPool, type KeyPool, keyPoolOf } from "./key-pool.ts";

export interface CredentialsOptions {
  readonly metrics?: Metrics;
  /** Per-key token buckets for pools (the same limiter the pace stage uses for single-key providers). */
  readonly limiter?: Limiter;
  /** Wall clock (epoch ms): cool-downs end at the provider's reset times. */
  readonly now?: () => number;
}

/** An upstream 401 may mean the token was revoked or rotated early: refresh once, retry only with a new credential. */
async function retryOnRejection(
  exchange: Exchange,
  source: CredentialSource,
  credential: Credential,
  response: ProxyResponse,
  next: Handler,
): Promise<ProxyResponse> {
  if (response.status !== 401 || exchange.signal.aborted) return response;
  source.invalidate(credential.keyId);
  const fresh = await source.current().catch(() => credential);
  if (fresh.keyId === credential.keyId) return response;
  exchange.credential = fresh;
  exchange.observed.keyId = fresh.keyId;
  return next(exchange);
}

/** A pooled key's pacing scope: by position, the same in every sidecar of a fleet with the same config. */
function keyScope(provider: ProviderRuntime, pool: KeyPool, source: CredentialSource): string {
  return `${provider.id}/key${pool.sources.indexOf(source)}`;
}

export function credentialsStage(options: CredentialsOptions = {}): Stage {
  const now = options.now ?? Date.now;
  // Pools built by the sidecar are found through their sources; others (tests, ad-hoc runtimes) get one here.
  const localPools = new WeakMap<ProviderRuntime, KeyPool>();
  const poolFor = (provider: ProviderRuntime): KeyPool => {
    const pool = keyPoolOf(provider.credentials) ?? localPools.get(provider);
    if (pool !== undefined) return pool;
    const created = createKeyPool(provider.id, provider.credentials, options.metrics);
    localPools.set(provider, created);
    return created;
  };

  /**
   * The next key that is neither cooling nor out of its own bucket (a pool's keys are usually separate
   * accounts, so `pacing` applies per key); when none is, waits for the first, within the queue timeout.
   */
  async function pickKey(
    exchange: Exchange,
    provider: ProviderRuntime,
    pool: KeyPool,
    tokens: number,
  ): Promise<CredentialSource> {
    const started = performance.now();
    const { bulkhead, pacing } = provider.config.resilience;
    const { queueTimeout } = bulkhead;
    const paced =
      options.limiter !== undefined && (pacing.requestsPerMinute ?? pacing.tokensPerMinute) !== undefined;
    for (;;) {
      let wait = Number.POSITIVE_INFINITY;
      for (let tries = 0; tries < pool.sources.length; tries++) {
        const pick = pool.pick(now());
        if (!("source" in pick)) {
          wait = Math.min(wait, pick.waitUntil - now());
          break;
        }
        const pending = paced
          ? options.limiter!.acquire(keyScope(provider, pool, pick.source), pacing, tokens)
          : 0;
        const bucketWait = typeof pending === "number" ? pending : await pending;
        if (bucketWait === 0) {
          if (performance.now() - started > 1) {
            options.metrics?.pacingWait.observe(
              { provider: provider.id, cause: "key_cooldown" },
              (performance.now() - started) / 1000,
            );
          }
          return pick.source;
        }
        wait = Math.min(wait, bucketWait);
      }
      if (wait > queueTimeout - (performance.now() - started)) {
        options.metrics?.pacingRejections.inc({ provider: provider.id });
        throw new ProxyError(
          "pacing_wait_exceeded",
          `Every key of provider '${provider.id}' is rate-limited.`,
          {
            headers: { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) },
          },
        );
      }
      await sleep(Math.max(1, wait), exchange.attemptSignal ?? exchange.signal);
    }
  }

  return function credentials(next: Handler): Handler {
    return async (exchange) => {
      const provider = exchange.route?.provider;
      const sources = provider?.credentials ?? [];
      if (provider === undefined || sources.length === 0) {
        exchange.credential = undefined;
        return next(exchange);
      }
      if (sources.length === 1) {
        // One key: its limits are the provider's, paced by the pace stage; nothing to choose.
        const credential = await sources[0]!.current();
        exchange.credential = credential;
        exchange.observed.keyId = credential.keyId;
        return retryOnRejection(exchange, sources[0]!, credential, await next(exchange), next);
      }
      const pool = poolFor(provider);
      const { pacing } = provider.config.resilience;
      const tokens = pacing.tokensPerMinute === undefined ? 0 : estimateTokens(exchange.request.body);
      const source = await pickKey(exchange, provider, pool, tokens);
      const credential = await source.current();
      exchange.credential = credential;
      exchange.observed.keyId = credential.keyId;
      const response = await next(exchange);
      const report = exchange.upstream;
      if (report !== undefined) pool.report(source, report.status, report.headers, provider.adapter, now());
      const answer = await retryOnRejection(exchange, source, credential, response, next);
      if (tokens === 0 || options.limiter === undefined) return answer;
      const { limiter } = options;
      return {
        ...answer,
        onFinished: (outcome) => {
          answer.onFinished?.(outcome);
          const { inputTokens, outputTokens } = exchange.observed.usage;
          if (inputTokens === undefined && outputTokens === undefined) return;
          const used = (inputTokens ?? 0) + (outputTokens ?? 0);
          void limiter.correct(keyScope(provider, pool, source), pacing, used - tokens);
        },
      };
    };
  };
}
