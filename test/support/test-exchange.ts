// An exchange as the proxy listener makes one, for tests that drive a stage, adapter or body directly.
import type { IncomingHttpHeaders } from "node:http";
import type { Exchange } from "../../src/pipeline/exchange.ts";

export interface TestExchangeOptions {
  readonly id?: string;
  readonly path?: string;
  readonly headers?: IncomingHttpHeaders;
  readonly body?: Buffer;
  /** performance.now() when absent. */
  readonly start?: number;
}

export function testExchange(options: TestExchangeOptions = {}): Exchange {
  return {
    id: options.id ?? "test",
    request: {
      method: "POST",
      path: options.path ?? "/v1/chat/completions",
      search: "",
      headers: options.headers ?? {},
      body: options.body ?? Buffer.alloc(0),
      door: "proxy",
    },
    signal: new AbortController().signal,
    timings: { start: options.start ?? performance.now() },
    attempt: 1,
    observed: { usage: {} },
  };
}
