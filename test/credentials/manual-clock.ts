// A hand-driven RefreshClock for tests: time moves only when `advance` says, firing due timers in order.
import type { RefreshClock } from "../../src/credentials/refresh-clock.ts";

interface PendingTimer {
  readonly at: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Lets promise chains started by a timer (a refresh) run to completion. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements RefreshClock {
  #now: number;
  readonly #timers: PendingTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delay: number): { cancel(): void } {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delay), callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Live timers, for asserting when the next refresh is due. */
  pending(): number[] {
    return this.#timers.filter((timer) => !timer.cancelled).map((timer) => timer.at - this.#now);
  }

  async advance(milliseconds: number): Promise<void> {
    const target = this.#now + milliseconds;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= target)
        .sort((left, right) => left.at - right.at)[0];
      if (due === undefined) break;
      due.cancelled = true;
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}
