// A generated stream of any size (up to GiBs) in a dialect, made lazily so memory stays flat however large it is.

import type { SimulatorDialect } from "./fixture-framing.ts";

/** Text per delta event: large enough that a GiB is ~65k events, small enough to interleave with other streams. */
const maximumTextBytes = 16 * 1024;
const filler = Buffer.from(
  "lorem ipsum dolor sit amet ".repeat(Math.ceil(maximumTextBytes / 27)).slice(0, maximumTextBytes),
);

interface StreamShape {
  readonly prelude: Buffer;
  readonly deltaPrefix: Buffer;
  readonly deltaSuffix: Buffer;
  readonly ending: Buffer;
}

function sse(event: string | undefined, payload: unknown): string {
  const data = `data: ${JSON.stringify(payload)}\n\n`;
  return event === undefined ? data : `event: ${event}\n${data}`;
}

function shapeOf(dialect: SimulatorDialect, model: string, outputTokens: number): StreamShape {
  const inputTokens = 10;
  if (dialect === "anthropic") {
    const message = {
      id: "msg_simulated",
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1 },
    };
    const prelude =
      sse("message_start", { type: "message_start", message }) +
      sse("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      });
    const ending =
      sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
      sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: outputTokens },
      }) +
      sse("message_stop", { type: "message_stop" });
    return {
      prelude: Buffer.from(prelude),
      deltaPrefix: Buffer.from(
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"',
      ),
      deltaSuffix: Buffer.from('"}}\n\n'),
      ending: Buffer.from(ending),
    };
  }
  const head = `{"id":"chatcmpl-simulated","object":"chat.completion.chunk","created":0,"model":${JSON.stringify(model)}`;
  const prelude = `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`;
  const usage = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
  };
  const ending = `data: ${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":${JSON.stringify(usage)}}\n\ndata: [DONE]\n\n`;
  return {
    prelude: Buffer.from(prelude),
    deltaPrefix: Buffer.from(`data: ${head},"choices":[{"index":0,"delta":{"content":"`),
    deltaSuffix: Buffer.from('"},"finish_reason":null}]}\n\n'),
    ending: Buffer.from(ending),
  };
}

/**
 * Yields a complete, valid stream of exactly `size` bytes (or the smallest valid stream when `size` is
 * below that): a start, many text deltas, then a proper ending with usage. Nothing is buffered ahead.
 */
export function* syntheticStream(dialect: SimulatorDialect, size: number, model: string): Generator<Buffer> {
  const shape = shapeOf(dialect, model, Math.max(1, Math.ceil(size / 4)));
  const overhead = shape.deltaPrefix.length + shape.deltaSuffix.length;
  yield shape.prelude;
  let remaining = size - shape.prelude.length - shape.ending.length;
  if (remaining < overhead + 1) remaining = overhead + 1;
  while (remaining > 0) {
    // Keep the last delta at least one character long by never leaving less than one delta's worth behind.
    const textBytes =
      remaining <= overhead + maximumTextBytes
        ? remaining - overhead
        : Math.min(maximumTextBytes, remaining - overhead - (overhead + 1));
    yield Buffer.concat([shape.deltaPrefix, filler.subarray(0, textBytes), shape.deltaSuffix]);
    remaining -= overhead + textBytes;
  }
  yield shape.ending;
}
