// Exchanges the observe stage has begun and not yet recorded: the sidecar's stop waits for them before telemetry shuts down.

/**
 * Connections cut at the end of the grace take a few turns to unwind (aborts, the error response, the
 * finish). Until each has been recorded its spans and access line are not out, so stop() waits for the
 * count to reach zero, within a bound, before the exporter shuts down.
 */
export class InflightExchanges {
  #count = 0;
  #waiting: (() => void)[] = [];

  begin(): void {
    this.#count += 1;
  }

  /** The exchange's metrics, spans and access line are done. */
  end(): void {
    this.#count -= 1;
    if (this.#count > 0) return;
    // Never below zero: a stray end must not make every later wait run to its bound.
    this.#count = 0;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  get count(): number {
    return this.#count;
  }

  /** Resolves true once none is in flight, or false after `timeout` ms with some still open. */
  settled(timeout: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.#waiting.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
