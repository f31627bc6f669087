// One refresher for every source whose tokens expire: one fetch in flight, refresh ahead with jitter, backoff on failure.
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential, CredentialSource, CredentialStatus } from "./credential.ts";
import { type CredentialEventListener, credentialEvents, type RefreshTrigger } from "./credential-events.ts";
import { type RefreshClock, type RefreshTimer, systemClock } from "./refresh-clock.ts";

export interface RefresherOptions {
  /** Safe description of the source; appears in errors, status and events. */
  readonly description: string;
  /** Fetches a new credential; throws a ProxyError whose message is safe to show. */
  readonly fetch: (signal: AbortSignal) => Promise<Credential>;
  /** How long before expiry to refresh (default 5 min); clamped to `maxRefreshFraction` of short lifetimes. */
  readonly refreshBefore?: number;
  /** At most this fraction of a token's lifetime is spent in the refresh window (default 0.5). */
  readonly maxRefreshFraction?: number;
  /** Refreshes start up to this fraction of the window earlier, at random, so a fleet does not refresh at once (default 0.1). */
  readonly jitterRatio?: number;
  /** Retry delays after a failed refresh: doubling from `base`, capped at `max`, with jitter (default 1 s … 30 s). */
  readonly backoff?: { readonly base: number; readonly max: number };
  readonly clock?: RefreshClock;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  readonly listener?: CredentialEventListener;
}

const defaultRefreshBefore = 5 * 60_000;

export class Refresher implements CredentialSource {
  readonly description: string;
  readonly #fetch: (signal: AbortSignal) => Promise<Credential>;
  readonly #refreshBefore: number;
  readonly #maxRefreshFraction: number;
  readonly #jitterRatio: number;
  readonly #backoff: { readonly base: number; readonly max: number };
  readonly #clock: RefreshClock;
  readonly #random: () => number;
  readonly #listener: CredentialEventListener;

  #cached: Credential | undefined;
  #refreshAt: number | undefined;
  #inFlight: Promise<Credential> | undefined;
  #abort: AbortController | undefined;
  #timer: RefreshTimer | undefined;
  #failures = 0;
  #lastError: ProxyError | undefined;
  #retryAt: number | undefined;
  #invalidated = false;
  #expiryReported = false;
  #closed = false;

  constructor(options: RefresherOptions) {
    this.description = options.description;
    this.#fetch = options.fetch;
    this.#refreshBefore = options.refreshBefore ?? defaultRefreshBefore;
    this.#maxRefreshFraction = options.maxRefreshFraction ?? 0.5;
    this.#jitterRatio = options.jitterRatio ?? 0.1;
    this.#backoff = options.backoff ?? { base: 1000, max: 30_000 };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#listener = options.listener ?? credentialEvents.emit;
  }

  /** Fetches the first token in the background so readiness turns true before the first request. */
  start(): void {
    if (this.#cached === undefined && this.#inFlight === undefined && !this.#closed)
      this.#background("initial");
  }

  async current(): Promise<Credential> {
    if (this.#closed)
      throw new ProxyError("credential_refresh_failed", `Credential source ${this.description} is closed.`);
    const now = this.#clock.now();
    const cached = this.#usable(now);
    if (cached !== undefined) {
      // The timer may have fired late (a suspended process); a due refresh starts here too.
      if (this.#refreshAt !== undefined && now >= this.#refreshAt && !this.#inBackoff(now))
        this.#background("background");
      return cached;
    }
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (this.#inBackoff(now) && !this.#invalidated) throw this.#unavailable(now);
    const trigger: RefreshTrigger =
      this.#cached === undefined ? "initial" : this.#invalidated ? "invalidated" : "expired";
    return this.#refresh(trigger);
  }

  /**
   * Forces one refresh (after an upstream 401). Concurrent calls share it; with `rejectedKeyId`, a call about
   * a token already replaced is ignored, so a burst of 401s from the old token refreshes once.
   */
  invalidate(rejectedKeyId?: string): void {
    if (this.#closed || this.#inFlight !== undefined) return;
    if (rejectedKeyId !== undefined && this.#cached !== undefined && this.#cached.keyId !== rejectedKeyId)
      return;
    this.#invalidated = true;
    this.#background("invalidated");
  }

  status(): CredentialStatus {
    const now = this.#clock.now();
    const cached = this.#usable(now);
    if (cached !== undefined) {
      const failing =
        this.#lastError === undefined
          ? ""
          : `; refresh failing (${this.#failures}x): ${this.#lastError.message}`;
      const until =
        cached.expiresAt === undefined ? "" : ` until ${new Date(cached.expiresAt).toISOString()}`;
      return {
        available: true,
        detail: `${this.description}: token valid${until}${failing}`,
        keyId: cached.keyId,
        ...(cached.expiresAt === undefined ? {} : { expiresAt: cached.expiresAt }),
      };
    }
    if (this.#cached === undefined && this.#lastError === undefined) {
      this.start();
      return { available: false, detail: `${this.description}: fetching the first token` };
    }
    return { available: false, detail: this.#unavailable(now).message };
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#abort?.abort();
  }

  #usable(now: number): Credential | undefined {
    const cached = this.#cached;
    if (cached === undefined || this.#invalidated) return undefined;
    if (cached.expiresAt !== undefined && now >= cached.expiresAt) {
      if (!this.#expiryReported) {
        this.#expiryReported = true;
        this.#listener({ type: "expired", source: this.description, expiresAt: cached.expiresAt });
      }
      return undefined;
    }
    return cached;
  }

  #inBackoff(now: number): boolean {
    return this.#retryAt !== undefined && now < this.#retryAt;
  }

  #unavailable(now: number): ProxyError {
    const expired =
      this.#cached?.expiresAt !== undefined && now >= this.#cached.expiresAt
        ? ` its token expired at ${new Date(this.#cached.expiresAt).toISOString()} and`
        : "";
    const outcome =
      this.#lastError === undefined
        ? " a refresh is under way"
        : ` the last refresh failed (${this.#lastError.message})`;
    return new ProxyError(
      "credential_refresh_failed",
      `Credential source ${this.description} is unavailable:${expired}${outcome}.`,
      this.#lastError === undefined ? {} : { cause: this.#lastError },
    );
  }

  #background(trigger: RefreshTrigger): void {
    this.#refresh(trigger).catch(() => {
      // Recorded in #lastError and reported to the listener; waiting callers get the error themselves.
    });
  }

  #refresh(trigger: RefreshTrigger): Promise<Credential> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    this.#timer?.cancel();
    this.#timer = undefined;
    const abort = new AbortController();
    this.#abort = abort;
    const run = async (): Promise<Credential> => {
      // Yield first so #inFlight is set before anything below can settle, even if fetch throws synchronously.
      await undefined;
      const started = this.#clock.now();
      try {
        const credential = await this.#fetch(abort.signal);
        const now = this.#clock.now();
        if (credential.expiresAt !== undefined && credential.expiresAt <= now) {
          throw new ProxyError(
            "credential_refresh_failed",
            "the source returned a token that has already expired",
          );
        }
        this.#accept(credential, now);
        this.#listener({
          type: "refreshed",
          source: this.description,
          trigger,
          keyId: credential.keyId,
          expiresAt: credential.expiresAt,
          durationMs: now - started,
        });
        return credential;
      } catch (error) {
        if (this.#closed)
          throw new ProxyError(
            "credential_refresh_failed",
            `Credential source ${this.description} is closed.`,
          );
        const failure = this.#fail(error);
        this.#listener({
          type: "refresh-failed",
          source: this.description,
          trigger,
          message: failure.error.message,
          consecutiveFailures: this.#failures,
          retryInMs: failure.retryIn,
          durationMs: this.#clock.now() - started,
        });
        // A token that has not truly expired is still handed out, even one an upstream just rejected:
        // its next answer is then the upstream's own, not an outage made here.
        this.#invalidated = false;
        const now = this.#clock.now();
        const stillValid = this.#usable(now);
        if (stillValid !== undefined) return stillValid;
        throw this.#unavailable(now);
      } finally {
        this.#inFlight = undefined;
        this.#invalidated = false;
      }
    };
    const promise = run();
    this.#inFlight = promise;
    return promise;
  }

  #accept(credential: Credential, now: number): void {
    this.#cached = credential;
    this.#failures = 0;
    this.#lastError = undefined;
    this.#retryAt = undefined;
    this.#expiryReported = false;
    this.#refreshAt = undefined;
    if (credential.expiresAt === undefined || this.#closed) return;
    const lifetime = credential.expiresAt - now;
    const window = Math.min(this.#refreshBefore, lifetime * this.#maxRefreshFraction);
    const refreshAt = credential.expiresAt - window - this.#random() * window * this.#jitterRatio;
    this.#refreshAt = refreshAt;
    this.#schedule(refreshAt - now, "background");
  }

  #fail(error: unknown): { error: ProxyError; retryIn: number } {
    this.#failures += 1;
    const reason =
      error instanceof ProxyError ? error.message : "an unexpected error (see the sidecar log for the stack)";
    const failure = new ProxyError("credential_refresh_failed", reason, { cause: error });
    this.#lastError = failure;
    const ceiling = Math.min(this.#backoff.max, this.#backoff.base * 2 ** (this.#failures - 1));
    const retryIn = ceiling / 2 + (this.#random() * ceiling) / 2;
    this.#retryAt = this.#clock.now() + retryIn;
    if (!this.#closed) this.#schedule(retryIn, "retry");
    return { error: failure, retryIn };
  }

  #schedule(delay: number, trigger: RefreshTrigger): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined;
        if (!this.#closed) this.#background(trigger);
      },
      Math.max(0, delay),
    );
  }
}
