// What every refreshing source accepts besides its config: the environment and the refresher's injections.
import type { CredentialEventListener } from "./credential-events.ts";
import type { RefreshClock } from "./refresh-clock.ts";

export interface SourceOptions {
  /** Where `{ env }` secret references are read; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: RefreshClock;
  /** Uniform in [0, 1), for refresh jitter and backoff. */
  readonly random?: () => number;
  readonly listener?: CredentialEventListener;
}

/** The refresher's share of SourceOptions, without undefined keys (exactOptionalPropertyTypes-safe). */
export function refresherInjections(options: SourceOptions): {
  clock?: RefreshClock;
  random?: () => number;
  listener?: CredentialEventListener;
} {
  return {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.listener === undefined ? {} : { listener: options.listener }),
  };
}
