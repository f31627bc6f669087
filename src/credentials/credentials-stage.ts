// credentials: picks this attempt's key from the provider's pool, injects nothing itself (dispatch does), learns from the answer.
import { estimateTokens } from "../limits/estimate-tokens.ts";
import type { Limiter } from "../limits/limiter.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { Credential, CredentialSource } from "./credential.ts";
import { discardAnswer } from "./discard-answer.ts";
import { createKeyChooser, keyScope } from "./key-chooser.ts";
import { createKeyPool, type KeyPool, keyPoolOf } from "./key-pool.ts";

export interface CredentialsOptions {
  readonly metrics?: Metrics;
  /**
   * The pacing backend the pace stage uses (local or Redis-shared): per-key buckets for pools, and the
   * pauses of pooled keys, so a fleet on one Redis stops sending to a key any of its sidecars saw exhausted.
   */
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
  // The rejected answer is dropped for the fresh credential's: release what it holds.
  discardAnswer(response);
  exchange.credential = fresh;
  exchange.observed.keyId = fresh.keyId;
  return next(exchange);
}

/** The upstream refused the key (401), or refused this request with it (403): another key may be accepted. */
function refusal(exchange: Exchange): 401 | 403 | undefined {
  const status = exchange.upstream?.status;
  return status === 401 || status === 403 ? status : undefined;
}

export function credentialsStage(options: CredentialsOptions = {}): Stage {
  const now = options.now ?? Date.now;
  const { limiter, metrics } = options;
  const chooser = createKeyChooser({
    now,
    ...(limiter === undefined ? {} : { limiter }),
    ...(metrics === undefined ? {} : { metrics }),
  });
  // Pools built by the sidecar are found through their sources; others (tests, ad-hoc runtimes) get one here.
  const localPools = new WeakMap<ProviderRuntime, KeyPool>();
  const poolFor = (provider: ProviderRuntime): KeyPool => {
    const pool = keyPoolOf(provider.credentials) ?? localPools.get(provider);
    if (pool !== undefined) return pool;
    const created = createKeyPool(provider.id, provider.credentials, metrics);
    localPools.set(provider, created);
    return created;
  };

  /** Feeds the answer back to the pool; a key told to rest is paused in the limiter too, for the whole fleet. */
  function learn(
    exchange: Exchange,
    provider: ProviderRuntime,
    pool: KeyPool,
    source: CredentialSource,
  ): void {
    const report = exchange.upstream;
    if (report === undefined) return;
    const until = pool.report(source, report.status, report.headers, provider.adapter, now());
    if (until === undefined || limiter === undefined) return;
    metrics?.pauses.inc({ provider: provider.id, scope: "key" });
    // Not awaited: the pool's own cool-down holds at once; the fleet's copy must not delay this answer.
    void limiter.pause(keyScope(provider, pool, source), until);
  }

  /**
   * Sends with the pool's keys until one is not refused: a key answered 401/403 is set aside and the same
   * attempt goes once to each other key still usable. It is not a retry (the request did not fail, the key
   * did), so it spends no retry budget, but it runs on the attempt's signal, within the request's deadline.
   * A 403 may be the request's doing rather than the key's (a model or resource the account may not use):
   * its key stays set aside only when another key then serves the request; otherwise it is put back.
   */
  async function sendPooled(
    exchange: Exchange,
    provider: ProviderRuntime,
    pool: KeyPool,
    tokens: number,
    next: Handler,
  ): Promise<{ response: ProxyResponse; source: CredentialSource }> {
    // Without `tried` the pool always names a key (a set-aside one when nothing else is left).
    let source = (await chooser.pick(exchange, provider, pool, tokens))!;
    const tried = new Set<CredentialSource>();
    let unconfirmed: { readonly source: CredentialSource; readonly keyId: string } | undefined;
    /** Settles an unconfirmed 403: kept when another key served (`served`), else put back into service. */
    const settle = (served: boolean): void => {
      if (unconfirmed !== undefined && !served) pool.forgive(unconfirmed.source, unconfirmed.keyId);
      unconfirmed = undefined;
    };
    for (;;) {
      tried.add(source);
      const credential = await source.current();
      exchange.credential = credential;
      exchange.observed.keyId = credential.keyId;
      const response = await next(exchange);
      learn(exchange, provider, pool, source);
      const refused = refusal(exchange);
      if (refused === undefined || (exchange.attemptSignal ?? exchange.signal).aborted) {
        settle(refused === undefined && response.status < 400);
        return { response, source };
      }
      if (refused === 403 && unconfirmed !== undefined) {
        // Two keys refused the same request: it is the request, not the keys.
        settle(false);
        pool.forgive(source, credential.keyId);
        return { response, source };
      }
      if (refused === 403) unconfirmed = { source, keyId: credential.keyId };
      let other: CredentialSource | undefined;
      try {
        other = await chooser.pick(exchange, provider, pool, tokens, tried);
      } catch (error) {
        // No other key within the queue timeout, or the client left: the refused answer is not sent.
        settle(false);
        discardAnswer(response);
        throw error;
      }
      if (other === undefined) {
        // No other key to ask: the upstream's own 401/403 (after one refresh) is the answer.
        settle(false);
        return { response: await retryOnRejection(exchange, source, credential, response, next), source };
      }
      // The refused key's estimate goes back to its bucket: the provider counted nothing for it.
      if (tokens > 0)
        void limiter?.correct(keyScope(provider, pool, source), provider.config.resilience.pacing, -tokens);
      discardAnswer(response);
      source = other;
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
      const { response, source } = await sendPooled(exchange, provider, pool, tokens, next);
      if (tokens === 0 || limiter === undefined) return response;
      return {
        ...response,
        onFinished: (outcome) => {
          response.onFinished?.(outcome);
          const { inputTokens, outputTokens } = exchange.observed.usage;
          if (inputTokens === undefined && outputTokens === undefined) return;
          const used = (inputTokens ?? 0) + (outputTokens ?? 0);
          void limiter.correct(keyScope(provider, pool, source), pacing, used - tokens);
        },
      };
    };
  };
}
