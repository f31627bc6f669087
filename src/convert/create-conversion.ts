// One exchange's conversion between the client's dialect and the upstream's: request, then response, stream or error.
import type { IncomingHttpHeaders } from "node:http";
import type { Dialect, RenderedError } from "../providers/provider-adapter.ts";
import type { StandardRequest } from "../schema/standard-request.ts";
import { convertError } from "./convert-error.ts";
import { type ConvertRequestOptions, convertRequestDetailed } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import {
  createStreamConverter,
  type StreamConverter,
  type StreamConverterOptions,
} from "./create-stream-converter.ts";

export interface ConversionOptions extends ConvertRequestOptions {
  /** The client's dialect (the route's). */
  readonly client: Dialect;
  /** The dialect of the provider that will answer (after a fallback, possibly the other one). */
  readonly upstream: Dialect;
  /** Provider id stamped on standard events and responses. */
  readonly provider?: string;
  readonly now?: () => number;
  readonly randomId?: () => string;
}

export interface Conversion {
  /** The client's request body → the upstream's; throws a 400 ProxyError. Call it once, before the others. */
  request(body: Uint8Array): Buffer;
  /** An upstream JSON response body → the client's. */
  response(body: Uint8Array | string): Buffer;
  /** An upstream error → status, headers and body in the client's dialect. */
  error(status: number, headers: IncomingHttpHeaders, body: Uint8Array | string): RenderedError;
  /** A converter for the upstream's stream body; `include_usage` follows what the client asked. */
  stream(options?: Pick<StreamConverterOptions, "contentType" | "onEvent">): StreamConverter;
}

export function createConversion(options: ConversionOptions): Conversion {
  const { client, upstream } = options;
  let standard: StandardRequest | undefined;
  const environment = {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.randomId === undefined ? {} : { randomId: options.randomId }),
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    ...(options.model === undefined ? {} : { model: options.model }),
  };
  return {
    request(body) {
      const converted = convertRequestDetailed(client, upstream, body, options);
      // Whether the client asked for usage in its stream decides the converted stream's trailer.
      standard = converted.standard;
      return converted.body;
    },
    response: (body) => convertResponse(upstream, client, body, environment),
    error: (status, headers, body) => convertError(upstream, client, { status, headers, body }),
    stream: (streamOptions = {}) =>
      createStreamConverter(upstream, client, {
        ...environment,
        ...streamOptions,
        includeUsage: standard?.streamUsage === true,
      }),
  };
}
