// Closed-loop load: N connections each sending the next request as soon as the last answer is read.
import { performance } from "node:perf_hooks";
import { type Dispatcher, Pool } from "undici";

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly latenciesMs: Float64Array;
}

export interface LoadTarget {
  /** Origin the requests go to (for a proxy arm: the provider's real origin, reached through `dispatcher`). */
  readonly origin: string;
  readonly path: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Defaults to a Pool on `origin` with one connection per worker. */
  readonly dispatcher?: (connections: number) => Dispatcher;
}

export const jsonRequest = JSON.stringify({
  model: "deepseek-chat",
  messages: [{ role: "user", content: "Say something short." }],
});
export const streamRequest = JSON.stringify({
  model: "deepseek-chat",
  stream: true,
  messages: [{ role: "user", content: "Say something short." }],
});
export const anthropicStreamRequest = JSON.stringify({
  model: "deepseek-chat",
  max_tokens: 256,
  stream: true,
  messages: [{ role: "user", content: "Say something short." }],
});

export async function runLoad(
  target: LoadTarget,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const dispatcher =
    target.dispatcher?.(connections) ?? new Pool(target.origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const headers = {
    "content-type": "application/json",
    authorization: "Bearer bench-client-key",
    ...target.headers,
  };
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await dispatcher.request({
          origin: target.origin,
          method: "POST",
          path: target.path,
          headers,
          body: target.body,
        });
        await response.body.arrayBuffer();
        if (response.statusCode !== 200) errors++;
        latencies.push(performance.now() - sent);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  await dispatcher.close();
  return { requests: latencies.length, errors, seconds, latenciesMs: Float64Array.from(latencies).sort() };
}

export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}
