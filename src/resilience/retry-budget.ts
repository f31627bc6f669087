// Retry budget per provider: retries stay under a fraction of recent requests, so an outage cannot become a storm.

export interface RetryBudgetOptions {
  /** Retries allowed per request seen, e.g. 0.2. */
  readonly ratio: number;
  /** Sliding window in milliseconds (10 s). */
  readonly window?: number;
  /** Retries always allowed per window, so a quiet provider can still retry its few requests. */
  readonly floor?: number;
  readonly now?: () => number;
}

export interface RetryBudget {
  /** Counts one incoming request (not attempt). */
  recordRequest(): void;
  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean;
}

const slots = 10;

export function createRetryBudget(options: RetryBudgetOptions): RetryBudget {
  const window = options.window ?? 10_000;
  const floor = options.floor ?? 10;
  const now = options.now ?? Date.now;
  const slotLength = window / slots;
  // A ring of per-slot counts: O(1) per request, no allocation after start.
  const requests = new Float64Array(slots);
  const retries = new Float64Array(slots);
  let currentSlot = Math.floor(now() / slotLength);

  const advance = (): number => {
    const slot = Math.floor(now() / slotLength);
    if (slot !== currentSlot) {
      const steps = Math.min(slots, slot - currentSlot);
      for (let step = 1; step <= steps; step++) {
        const index = (currentSlot + step) % slots;
        requests[index] = 0;
        retries[index] = 0;
      }
      currentSlot = slot;
    }
    return currentSlot % slots;
  };
  const sum = (values: Float64Array): number => {
    let total = 0;
    for (const value of values) total += value;
    return total;
  };

  return {
    recordRequest() {
      requests[advance()]! += 1;
    },
    tryRetry() {
      const index = advance();
      const allowed = floor + options.ratio * sum(requests);
      if (sum(retries) + 1 > allowed) return false;
      retries[index]! += 1;
      return true;
    },
  };
}
