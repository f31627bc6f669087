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
    const prepared = await adapter.prepare(exchange, exchange.credential);
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
      if (adapter.renderUpstreamErrors === true) {
        const rendered = adapter.renderError(error);
        delete headers["content-length"];
        delete headers["content-encoding"];
        return {
          status: rendered.status,
          headers: { ...headers, ...rendered.headers },
          body: Buffer.from(rendered.body),
        };
      }
      return { status: response.status, headers, body };
    }

    // An upstream framed unlike the client's dialect (Bedrock eventstream) is rewritten as it streams.
    const translation = adapter.translateResponse?.(contentType);
    const upstreamBody = translation === undefined ? response.body : translation.translate(response.body);
    const clientContentType = translation?.contentType ?? contentType;
    if (translation !== undefined) {
      headers["content-type"] = translation.contentType;
      delete headers["content-length"];
    }
    const decoder = adapter.decoderFor(clientContentType);
    if (decoder === undefined) return { status: response.status, headers, body: upstreamBody };
    const mediaType = mediaTypeOf(clientContentType);
    const isEventStream = mediaType !== "application/json" && !mediaType.endsWith("+json");
    return {
      status: response.status,
      headers,
      body: observeStream(upstreamBody, exchange, {
        decoder,
        ...(isEventStream ? { renderStreamError: adapter.renderStreamError } : {}),
      }),
    };
  };
}
