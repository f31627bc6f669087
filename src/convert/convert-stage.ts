// convert: per attempt, turns the request into the provider's dialect and its answer back into the client's.
import type { OutgoingHttpHeaders } from "node:http";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Exchange } from "../pipeline/exchange.ts";
import { firstHeader } from "../pipeline/header-value.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import { isJsonMediaType, mediaTypeOf } from "../streaming/decoder-for.ts";
import { type Conversion, createConversion } from "./create-conversion.ts";
import type { StreamConverter } from "./create-stream-converter.ts";
import { type StandardEncoding, standardContentTypes, standardEncodingFor } from "./standard-accept.ts";
import { standardResponseBody, standardStream } from "./standard-output.ts";

/** A JSON answer is converted whole; one larger than this is refused rather than held in memory. */
const maxConvertedJson = 64 * 1024 * 1024;

async function collect(body: ProxyResponse["body"]): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxConvertedJson) {
      throw new ProxyError(
        "upstream_error",
        "The upstream's JSON answer is too large to convert (over 64 MiB).",
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function iterable(body: ProxyResponse["body"]): AsyncIterable<Uint8Array> {
  if (!(body instanceof Uint8Array)) return body;
  return (async function* () {
    yield body;
  })();
}

async function* converted(
  body: AsyncIterable<Uint8Array>,
  converter: StreamConverter,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) yield* converter.push(chunk);
  yield* converter.end();
}

/**
 * Runs an unread or half-read body to its first chunk and stops there: a generator's `finally` (which
 * releases the upstream body) runs only once it has started.
 */
async function release(body: ProxyResponse["body"]): Promise<void> {
  if (body instanceof Uint8Array) return;
  try {
    for await (const _ of body) break;
  } catch {
    // Already failed: nothing left to release.
  }
}

function asUpstreamFailure(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError(
    "upstream_connection_reset",
    "The upstream's answer broke off before it was complete.",
    {
      cause: error,
    },
  );
}

function convertAnswer(
  exchange: Exchange,
  response: ProxyResponse,
  conversion: Conversion | undefined,
  encoding: StandardEncoding | undefined,
): Promise<ProxyResponse> | ProxyResponse {
  const route = exchange.route!;
  const provider = route.provider.id;
  const upstream = route.provider.adapter.dialect;
  const headers: OutgoingHttpHeaders = { ...response.headers, "x-outrigger-provider": provider };
  const finished = response.onFinished === undefined ? {} : { onFinished: response.onFinished };
  if (response.status >= 400 || (conversion === undefined && encoding === undefined)) {
    if (response.status < 400 || conversion === undefined) return { ...response, headers };
    return collect(response.body).then((body) => {
      const rendered = conversion.error(response.status, exchange.upstream?.headers ?? {}, body);
      return {
        status: rendered.status,
        headers: { ...rendered.headers, "x-outrigger-provider": provider },
        body: Buffer.from(rendered.body),
        ...finished,
      };
    });
  }
  const contentType = firstHeader(response.headers, "content-type");
  const mediaType = mediaTypeOf(contentType);
  const isJson = isJsonMediaType(mediaType);
  delete headers["content-length"];
  if (encoding !== undefined) {
    headers["content-type"] = standardContentTypes[encoding];
    if (isJson) {
      return collect(response.body).then((body) => ({
        status: response.status,
        headers,
        body: standardResponseBody(body, upstream, encoding, provider),
        ...finished,
      }));
    }
    const body = standardStream(iterable(response.body), upstream, contentType, encoding, provider);
    return { status: response.status, headers, body, ...finished };
  }
  const active = conversion!;
  if (isJson) {
    return collect(response.body).then((body) => {
      const answer = active.response(body);
      return {
        status: response.status,
        headers: { ...headers, "content-type": "application/json" },
        body: answer,
        ...finished,
      };
    });
  }
  const converter = active.stream(contentType === undefined ? {} : { contentType });
  headers["content-type"] = "text/event-stream; charset=utf-8";
  return {
    status: response.status,
    headers,
    body: converted(iterable(response.body), converter),
    ...finished,
  };
}

export function convertStage(): Stage {
  return function convert(next: Handler): Handler {
    return async (exchange) => {
      const route = exchange.route;
      if (route === undefined) return next(exchange);
      const upstream = route.provider.adapter.dialect;
      const encoding = route.unified === true ? standardEncodingFor(exchange.request.headers) : undefined;
      // Which provider answered is news only where the client did not name it: unified routes and fallbacks.
      const announce = route.unified === true || route.provider.id !== exchange.observed.routedTo;
      if (upstream === route.clientDialect && encoding === undefined) {
        const response = await next(exchange);
        return announce
          ? { ...response, headers: { ...response.headers, "x-outrigger-provider": route.provider.id } }
          : response;
      }
      let conversion: Conversion | undefined;
      if (upstream !== route.clientDialect) {
        conversion = createConversion({ client: route.clientDialect, upstream, provider: route.provider.id });
        exchange.convertedBody = conversion.request(exchange.request.body);
        // The client's path names its own dialect's endpoint; the provider's chat endpoint replaces it.
        const chatPath = route.provider.adapter.chatPath;
        if (chatPath !== undefined)
          exchange.route = { ...route, upstreamPath: chatPath + exchange.request.search };
      }
      const response = await next(exchange);
      try {
        return await convertAnswer(exchange, response, conversion, encoding);
      } catch (error) {
        // The answer is dropped before anything reached the client: release what the stages below hold
        // (the bulkhead slot, the upstream connection) and report it so resilience can judge a retry.
        response.onFinished?.({ completed: false, error });
        void release(response.body);
        throw asUpstreamFailure(error);
      }
    };
  };
}
