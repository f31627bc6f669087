// dispatch: the terminal handler — sends the prepared request through the provider's pool.
import { performance } from "node:perf_hooks";
import type { Exchange } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler } from "../pipeline/stage.ts";
import { mediaTypeOf } from "../streaming/decoder-for.ts";
import { observeStream } from "../streaming/observe-stream.ts";
import { endToEndHeaders } from "./hop-by-hop.ts";

/** Error bodies are read whole (they are small) so the error can be parsed and observed. */
const maxErrorBody = 1024 * 1024;

async function readBounded(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createDispatch(): Handler {
  return async function dispatch(exchange: Exchange): Promise<ProxyResponse> {
    const route = exchange.route;
    if (route === undefined) throw new Error("dispatch reached without a route");
    const { adapter, upstream } = route.provider;
    const prepared = adapter.prepare(exchange, exchange.credential);
    exchange.timings.requestSent = performance.now();
    const response = await upstream.request({
      method: prepared.method,
      path: prepared.path,
      headers: prepared.headers,
      body: prepared.body,
      signal: exchange.signal,
    });
    exchange.timings.firstByte = performance.now();
    const headers = endToEndHeaders(response.headers);
    const contentType = headerText(response.headers["content-type"]);

    if (response.status >= 400) {
      const body = await readBounded(response.body, maxErrorBody);
      const error = adapter.parseError(response.status, response.headers, body.toString("utf8"));
      exchange.observed.errorType = error.kind;
      return { status: response.status, headers, body };
    }

    const decoder = adapter.decoderFor(contentType);
    if (decoder === undefined) return { status: response.status, headers, body: response.body };
    const mediaType = mediaTypeOf(contentType);
    const isEventStream = mediaType !== "application/json" && !mediaType.endsWith("+json");
    return {
      status: response.status,
      headers,
      body: observeStream(response.body, exchange, {
        decoder,
        ...(isEventStream ? { renderStreamError: adapter.renderStreamError } : {}),
      }),
    };
  };
}
