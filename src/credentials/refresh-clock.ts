// The clock a refresher reads and schedules with: injected so tests drive expiry without waiting.

export interface RefreshTimer {
  cancel(): void;
}

export interface RefreshClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once after `delay` ms; the timer never keeps the process alive. */
  setTimer(callback: () => void, delay: number): RefreshTimer;
}

// setTimeout overflows past 2^31-1 ms (~24.8 days) and would fire at once; a long wait is re-armed instead.
const longestTimeout = 2 ** 31 - 1;

export const systemClock: RefreshClock = {
  now: () => Date.now(),
  setTimer(callback, delay) {
    let handle: NodeJS.Timeout;
    const arm = (remaining: number): void => {
      handle = setTimeout(
        () => (remaining > longestTimeout ? arm(remaining - longestTimeout) : callback()),
        Math.max(0, Math.min(remaining, longestTimeout)),
      );
      handle.unref();
    };
    arm(delay);
    return { cancel: () => clearTimeout(handle) };
  },
};
