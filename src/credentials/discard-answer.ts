// Dropping an answer the client will never see (a key refused, another key answers): release what it holds.
import type { ProxyResponse } from "../pipeline/proxy-response.ts";

/**
 * Tells the stages below it was abandoned (a trace span ends, a slot is freed), then lets go of a streamed
 * body. A body is iterated rather than just returned: a generator's finally, which releases the upstream
 * connection, runs only once it has started.
 */
export function discardAnswer(response: ProxyResponse): void {
  response.onFinished?.({ completed: false });
  const { body } = response;
  if (body instanceof Uint8Array) return;
  void (async () => {
    try {
      for await (const _ of body) break;
    } catch {
      // Already failed: nothing left to release.
    }
  })();
}
