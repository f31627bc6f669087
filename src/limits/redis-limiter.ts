// Fleet-shared pacing on Redis (ioredis, atomic Lua): every sidecar on the same Redis spends one budget.
// When Redis is unreachable, pacing falls back to the local limiter, warns once, and resumes sharing when it returns.
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Limiter, PacingLimits } from "./limiter.ts";
import type { LocalLimiter } from "./local-limiter.ts";
import { acquireScript, correctScript, pauseScript } from "./redis-scripts.ts";

export interface RedisLimiterOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly password?: string;
  readonly local: LocalLimiter;
  readonly logger: Logger;
  /** Redis reachable or not: a gauge. */
  readonly onAvailability?: (up: boolean) => void;
  /** One decision made locally because Redis was not there: a counter. */
  readonly onFallback?: () => void;
}

type ScriptClient = Redis & {
  outriggerAcquire(a: string, b: string, c: string, rpm: number, tpm: number, cost: number): Promise<number>;
  outriggerPause(key: string, until: number): Promise<number>;
  outriggerCorrect(key: string, capacity: number, delta: number): Promise<number>;
};

export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { local, logger } = options;
  const client = new Redis(options.url, {
    ...(options.password === undefined ? {} : { password: options.password }),
    // Fail fast while disconnected: a request must never wait on a Redis that is not there.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 500,
    retryStrategy: (times) => Math.min(250 * times, 2_000),
    lazyConnect: false,
  }) as ScriptClient;
  client.defineCommand("outriggerAcquire", { numberOfKeys: 3, lua: acquireScript });
  client.defineCommand("outriggerPause", { numberOfKeys: 1, lua: pauseScript });
  client.defineCommand("outriggerCorrect", { numberOfKeys: 1, lua: correctScript });

  let up = false;
  // One warning per outage (and one if Redis is not there at start), not one per reconnect attempt.
  let warned = false;
  const markDown = (error?: unknown): void => {
    if (!warned) {
      logger.warn({ err: error }, "redis unreachable: pacing falls back to local limits");
      warned = true;
    }
    if (up) {
      up = false;
      options.onAvailability?.(false);
    }
  };
  const resume = (): void => {
    if (probe !== undefined) clearInterval(probe);
    probe = undefined;
    if (!up) logger.info("redis reachable: fleet-shared pacing resumes");
    up = true;
    warned = false;
    options.onAvailability?.(true);
  };
  client.on("ready", resume);
  // A command that timed out on a connection that stayed open (a Redis stalled by a slow command or a
  // full CPU) brings no `ready` event when it recovers: ask it once a second until it answers again.
  let probe: NodeJS.Timeout | undefined;
  const probeUntilBack = (): void => {
    if (probe !== undefined) return;
    probe = setInterval(() => {
      if (client.status !== "ready") return; // a reconnect announces itself with `ready`
      client.ping().then(resume, () => {});
    }, 1_000);
    probe.unref();
  };
  client.on("close", () => markDown());
  // ioredis reports connection errors here; without a listener they would be unhandled.
  client.on("error", (error: unknown) => markDown(error));
  options.onAvailability?.(false);

  const key = (scope: string, part: string): string => `${options.keyPrefix}pace:${scope}:${part}`;
  const fallback = (error: unknown): void => {
    markDown(error);
    // Only a timeout says "busy, may recover": a Redis that answers PING but refuses the scripts (a
    // read-only replica after a failover, out of memory) would otherwise flap between up and down.
    if (error instanceof Error && error.message === "Command timed out") probeUntilBack();
    options.onFallback?.();
  };

  return {
    acquire(scope: string, limits: PacingLimits, tokens: number) {
      if (!up || client.status !== "ready") {
        options.onFallback?.();
        return local.acquire(scope, limits, tokens);
      }
      return client
        .outriggerAcquire(
          key(scope, "requests"),
          key(scope, "tokens"),
          key(scope, "pause"),
          limits.requestsPerMinute ?? 0,
          limits.tokensPerMinute ?? 0,
          tokens,
        )
        .then(Number, (error: unknown) => {
          fallback(error);
          return local.acquire(scope, limits, tokens);
        });
    },
    pause(scope: string, until: number) {
      // Kept locally as well, so an outage right after the pause still honours it.
      local.pause(scope, until);
      if (!up || client.status !== "ready") return;
      return client.outriggerPause(key(scope, "pause"), until).then(
        () => undefined,
        (error: unknown) => fallback(error),
      );
    },
    correct(scope: string, limits: PacingLimits, delta: number) {
      local.correct(scope, limits, delta);
      if (!up || client.status !== "ready" || limits.tokensPerMinute === undefined) return;
      return client.outriggerCorrect(key(scope, "tokens"), limits.tokensPerMinute, delta).then(
        () => undefined,
        (error: unknown) => fallback(error),
      );
    },
    async close() {
      if (probe !== undefined) clearInterval(probe);
      client.disconnect();
    },
  };
}
