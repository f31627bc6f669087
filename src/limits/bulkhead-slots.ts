// The bulkhead (cockatiel): at most maxConcurrent attempts per provider in flight, a bounded queue with a timeout.
// A slot is held until the response body has finished, not just until its head: streams are the load.
import { type BulkheadPolicy, bulkhead, isBulkheadRejectedError, isTaskCancelledError } from "cockatiel";
import type { BulkheadConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";

export interface BulkheadSlots {
  run(
    attempt: () => Promise<ProxyResponse>,
    signal: AbortSignal,
    queueTimeout: number,
  ): Promise<ProxyResponse>;
}

function full(message: string): ProxyError {
  return new ProxyError("bulkhead_full", message, { headers: { "retry-after": "1" } });
}

export function createBulkheadSlots(config: BulkheadConfig): BulkheadSlots {
  const policy: BulkheadPolicy = bulkhead(config.maxConcurrent, config.maxQueued);
  return {
    run(attempt, signal, queueTimeout) {
      return new Promise<ProxyResponse>((resolve, reject) => {
        let started = false;
        let timer: NodeJS.Timeout | undefined;
        // A free slot (the common case) runs at once: no controller, no listener, no timer.
        const mustQueue = policy.executionSlots === 0;
        const queued = mustQueue ? new AbortController() : undefined;
        const onAbort = (): void => queued?.abort(signal.reason);
        if (mustQueue) signal.addEventListener("abort", onAbort, { once: true });
        if (queued !== undefined) {
          // Only a queued attempt needs a clock; cockatiel drops it from the queue once its signal is aborted.
          timer = setTimeout(() => {
            if (started) return;
            queued.abort();
            reject(
              full(
                `The provider's ${config.maxConcurrent} concurrent slots stayed busy for ${queueTimeout} ms.`,
              ),
            );
          }, queueTimeout);
        }
        policy
          .execute(async () => {
            started = true;
            if (timer !== undefined) clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
            let response: ProxyResponse;
            try {
              response = await attempt();
            } catch (error) {
              reject(error);
              return;
            }
            let release: () => void = () => {};
            const finished = new Promise<void>((done) => {
              release = done;
            });
            resolve({
              ...response,
              onFinished: (outcome) => {
                release();
                response.onFinished?.(outcome);
              },
            });
            await finished;
          }, queued?.signal ?? signal)
          .catch((error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            if (timer !== undefined) clearTimeout(timer);
            if (isBulkheadRejectedError(error)) reject(full("The provider's bulkhead queue is full."));
            else if (isTaskCancelledError(error))
              reject(signal.aborted ? signal.reason : full("Queue timeout."));
            else reject(error);
          });
      });
    },
  };
}
