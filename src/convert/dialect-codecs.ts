// The per-dialect pieces the converters chain: readers into the standard schema and writers out of it.
import {
  anthropicResponseToStandard,
  createAnthropicDecoder,
} from "../providers/anthropic/anthropic-to-standard.ts";
import { standardToAnthropicResponse } from "../providers/anthropic/standard-to-anthropic-response.ts";
import { createAnthropicStreamEncoder } from "../providers/anthropic/standard-to-anthropic-stream.ts";
import { createOpenAIDecoder, openaiResponseToStandard } from "../providers/openai/openai-to-standard.ts";
import { standardToOpenAIResponse } from "../providers/openai/standard-to-openai-response.ts";
import { createOpenAIStreamEncoder } from "../providers/openai/standard-to-openai-stream.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import type { StandardEventDecoder } from "../schema/standard-event.ts";
import type { EncoderEnvironment, StandardEventEncoder } from "../schema/standard-event-encoder.ts";
import type { StandardResponse } from "../schema/standard-response.ts";

export interface EncoderOptions extends EncoderEnvironment {
  /** Model named when the upstream named none. */
  readonly model?: string;
  /** OpenAI clients only: `stream_options.include_usage` was asked. */
  readonly includeUsage?: boolean;
}

/** A decoder for a `dialect` response body of this content type, or undefined when it is not decodable. */
export function createDialectDecoder(
  dialect: Dialect,
  contentType: string | undefined,
  provider?: string,
): StandardEventDecoder | undefined {
  const options = provider === undefined ? {} : { provider };
  return dialect === "anthropic"
    ? createAnthropicDecoder(contentType, options)
    : createOpenAIDecoder(contentType, options);
}

/** An encoder of standard events into `dialect` stream bytes. */
export function createDialectEncoder(dialect: Dialect, options: EncoderOptions = {}): StandardEventEncoder {
  return dialect === "anthropic" ? createAnthropicStreamEncoder(options) : createOpenAIStreamEncoder(options);
}

export function dialectResponseToStandard(
  dialect: Dialect,
  body: unknown,
  provider?: string,
): StandardResponse | undefined {
  const options = provider === undefined ? {} : { provider };
  return dialect === "anthropic"
    ? anthropicResponseToStandard(body, options)
    : openaiResponseToStandard(body, options);
}

export function standardToDialectResponse(
  dialect: Dialect,
  response: StandardResponse,
  options: EncoderOptions = {},
): Record<string, unknown> {
  return dialect === "anthropic"
    ? standardToAnthropicResponse(response, options)
    : standardToOpenAIResponse(response, options);
}
