// Key pools: several credentials on one provider share its traffic; a 429 cools a key, a 401/403 sets it aside.
import type { IncomingHttpHeaders } from "node:http";
import { latestExhaustedReset } from "../limits/exhausted-reset.ts";
import type { ProviderAdapter } from "../providers/provider-adapter.ts";
import { retryDelay } from "../resilience/retry-delay.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { CredentialSource, CredentialStatus } from "./credential.ts";

type KeyState = "active" | "cooling" | "rejected";

interface PoolEntry {
  readonly source: CredentialSource;
  state: KeyState;
  /** Cooling: epoch ms when the key may serve again. */
  until: number;
  /** Rejected: the status that set it aside and the key it was (a rotated secret gets a fresh chance). */
  rejectedStatus: number;
  rejectedKeyId: string | undefined;
}

export type KeyPick =
  | { readonly source: CredentialSource }
  | { readonly waitUntil: number }
  /** Every key not yet tried by this request is set aside or missing: nothing else to send to. */
  | { readonly exhausted: true };

export interface KeyPool {
  /** The pool's sources as /readyz and /status show them: a set-aside key reports itself unavailable. */
  readonly sources: readonly CredentialSource[];
  /**
   * The next free key, or when the first cooling one is back. `tried` (a resend after a 401/403) passes over
   * the keys this request already used, and says `exhausted` rather than falling back to a set-aside key.
   */
  pick(now: number, tried?: ReadonlySet<CredentialSource>): KeyPick;
  /**
   * Feeds back one attempt's answer for the key it used. Returns the epoch ms until which the key now rests
   * (a 429 or `remaining: 0`), so the caller can share that pause with the fleet; else undefined.
   */
  report(
    source: CredentialSource,
    status: number,
    headers: IncomingHttpHeaders,
    adapter: ProviderAdapter,
    now: number,
  ): number | undefined;
  /**
   * Puts back a key set aside for a 403 that turned out to be the request's (another key got it too, or
   * no other key could confirm it), if it is still set aside for that 403 with that secret: a 401 or a
   * later refusal of a rotated secret stands.
   */
  forgive(source: CredentialSource, keyId: string): void;
}

const pools = new WeakMap<readonly CredentialSource[], KeyPool>();

/** The pool behind a provider's `credentials` list, when it was built by createKeyPool. */
export function keyPoolOf(sources: readonly CredentialSource[]): KeyPool | undefined {
  return pools.get(sources);
}

/** How long a rate-limited key rests: the upstream's own signals, else a second. */
function cooldown(headers: IncomingHttpHeaders, adapter: ProviderAdapter, now: number): number {
  const delay = retryDelay({
    attempt: 1,
    headers,
    rateLimits: adapter.readRateLimits(headers, now),
    now,
    random: () => 1,
    retry: { baseDelay: 1_000, maxDelay: 1_000, maxWait: 10 * 60_000 },
    clientLeft: Number.POSITIVE_INFINITY,
  });
  return delay.take ? Math.max(delay.delay, 1) : 10 * 60_000;
}

/** Until when a key that reported a dimension at zero rests; undefined when no reset lies ahead. */
function exhaustedReset(
  headers: IncomingHttpHeaders,
  adapter: ProviderAdapter,
  now: number,
): number | undefined {
  const until = latestExhaustedReset(adapter.readRateLimits(headers, now));
  return until !== undefined && until > now ? until : undefined;
}

export function createKeyPool(
  providerId: string,
  sources: readonly CredentialSource[],
  metrics?: Metrics,
): KeyPool {
  const entries: PoolEntry[] = sources.map((source) => ({
    source,
    state: "active",
    until: 0,
    rejectedStatus: 0,
    rejectedKeyId: undefined,
  }));
  const setState = (entry: PoolEntry, state: KeyState): void => {
    // The key's position in the config: stable, and never the secret (readyz maps it to its key id).
    const key = String(entries.indexOf(entry));
    for (const candidate of ["active", "cooling", "rejected"] as const) {
      metrics?.keyState.set({ provider: providerId, key, state: candidate }, candidate === state ? 1 : 0);
    }
    entry.state = state;
  };
  const view = (entry: PoolEntry): CredentialSource => ({
    description: entry.source.description,
    current: () => entry.source.current(),
    invalidate: (rejectedKeyId) => entry.source.invalidate(rejectedKeyId),
    close: () => entry.source.close(),
    status(): CredentialStatus {
      const status = entry.source.status();
      if (entry.state === "rejected" && status.keyId === entry.rejectedKeyId) {
        return {
          ...status,
          available: false,
          detail: `set aside: the upstream answered ${entry.rejectedStatus} for this key (${status.detail})`,
        };
      }
      if (entry.state === "cooling" && entry.until > Date.now()) {
        return {
          ...status,
          detail: `${status.detail}; cooling down until ${new Date(entry.until).toISOString()}`,
        };
      }
      return status;
    },
  });
  const byView = new Map<CredentialSource, PoolEntry>();
  const views = entries.map((entry) => {
    const sourceView = view(entry);
    byView.set(sourceView, entry);
    byView.set(entry.source, entry);
    return sourceView;
  });
  let turn = 0;

  const pool: KeyPool = {
    sources: views,
    pick(now, tried) {
      let soonest = Number.POSITIVE_INFINITY;
      for (let offset = 0; offset < entries.length; offset++) {
        const index = (turn + offset) % entries.length;
        const entry = entries[index]!;
        if (tried?.has(views[index]!) === true) continue;
        const status = entry.source.status();
        if (entry.state === "rejected") {
          // A rotated secret (a new key id behind the same source) gets a fresh chance.
          if (status.keyId === entry.rejectedKeyId) continue;
          setState(entry, "active");
        }
        if (entry.state === "cooling") {
          if (entry.until > now) {
            soonest = Math.min(soonest, entry.until);
            continue;
          }
          setState(entry, "active");
        }
        if (!status.available) continue;
        turn = index + 1;
        return { source: views[index]! };
      }
      if (soonest !== Number.POSITIVE_INFINITY) return { waitUntil: soonest };
      // A resend must not go back to a key it has used: the answer it already has is the one to give.
      if (tried !== undefined && tried.size > 0) return { exhausted: true };
      // Every key set aside or missing: the first one's answer (or error) tells the client what is wrong.
      return { source: views[0]! };
    },
    report(source, status, headers, adapter, now) {
      const entry = byView.get(source);
      if (entry === undefined) return undefined;
      // Served after all (a rotated secret, or the fallback to a set-aside key): it is good again.
      if (status < 300 && entry.state === "rejected") setState(entry, "active");
      if (status === 401 || status === 403) {
        entry.rejectedStatus = status;
        entry.rejectedKeyId = entry.source.status().keyId;
        setState(entry, "rejected");
        // A file or refreshed source may hold a newer secret by now.
        entry.source.invalidate(entry.rejectedKeyId);
        return undefined;
      }
      const until =
        status === 429 ? now + cooldown(headers, adapter, now) : exhaustedReset(headers, adapter, now);
      if (until === undefined) return undefined;
      entry.until = Math.max(entry.until, until);
      setState(entry, "cooling");
      return entry.until;
    },
    forgive(source, keyId) {
      const entry = byView.get(source);
      if (entry?.state === "rejected" && entry.rejectedStatus === 403 && entry.rejectedKeyId === keyId)
        setState(entry, "active");
    },
  };
  pools.set(views, pool);
  for (const entry of entries) setState(entry, "active");
  return pool;
}

/** A provider's credentials as the runtime holds them: a pool's view when there are several, else as they are. */
export function pooledCredentials(
  providerId: string,
  sources: readonly CredentialSource[],
  metrics?: Metrics,
): readonly CredentialSource[] {
  return sources.length > 1 ? createKeyPool(providerId, sources, metrics).sources : sources;
}
