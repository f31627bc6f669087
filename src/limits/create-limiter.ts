// The pacing backend from config: fleet-shared on Redis when `redis` is set, else local to this sidecar.
import type { Logger } from "pino";
import type { OutriggerConfig } from "../config/config-types.ts";
import { readSecretRef } from "../credentials/secret-ref.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { Limiter } from "./limiter.ts";
import { createLocalLimiter } from "./local-limiter.ts";

export async function createLimiter(
  config: OutriggerConfig,
  options: { logger: Logger; metrics?: Metrics; env?: NodeJS.ProcessEnv },
): Promise<Limiter> {
  const local = createLocalLimiter();
  if (config.redis === undefined) return local;
  const { metrics } = options;
  // Loaded only when configured: ioredis alone adds ~25 MB of RSS to every sidecar that does not use it.
  const { createRedisLimiter } = await import("./redis-limiter.ts");
  return createRedisLimiter({
    url: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    ...(config.redis.password === undefined
      ? {}
      : { password: await readSecretRef(config.redis.password, options.env) }),
    local,
    logger: options.logger,
    onAvailability: (up) => metrics?.redisUp.set(up ? 1 : 0),
    onFallback: () => metrics?.redisFallbacks.inc(),
  });
}
