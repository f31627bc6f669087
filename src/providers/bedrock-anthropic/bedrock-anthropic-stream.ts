// Bedrock's InvokeModelWithResponseStream eventstream → the Anthropic SSE the client's SDK expects, frame by frame.

import { ProxyError } from "../../errors/proxy-error.ts";
import {
  createEventStreamCodec,
  type EventStreamMessage,
  eventStreamText as toUtf8,
} from "../../streaming/eventstream-codec.ts";
import { renderAnthropicStreamError } from "../anthropic/anthropic-errors.ts";
import { bedrockException } from "./bedrock-anthropic-errors.ts";

type Message = EventStreamMessage;

function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === "string" ? header.value : undefined;
}

/** One Anthropic event from a `chunk` frame: `{"bytes":"<base64 JSON>"}`. */
function chunkToSse(message: Message): string {
  const payload: unknown = JSON.parse(toUtf8(message.body));
  const bytes = (payload as { bytes?: unknown } | null)?.bytes;
  if (typeof bytes !== "string") throw new Error("a chunk frame without bytes");
  const event: unknown = JSON.parse(Buffer.from(bytes, "base64").toString("utf8"));
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof type !== "string") throw new Error("a chunk without an event type");
  // Re-serialized so the data line holds no raw newline whatever the upstream's formatting.
  return `event: ${type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Splits the byte stream into whole eventstream messages (4-byte big-endian total length first). */
class FrameSplitter {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const frames: Uint8Array[] = [];
    while (this.#pending.length >= 4) {
      const total = this.#pending.readUInt32BE(0);
      if (total < 16) throw new Error(`an eventstream frame of impossible length ${total}`);
      if (this.#pending.length < total) break;
      frames.push(this.#pending.subarray(0, total));
      this.#pending = this.#pending.subarray(total);
    }
    return frames;
  }

  get leftover(): number {
    return this.#pending.length;
  }
}

export async function* bedrockEventStreamToSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const codec = createEventStreamCodec();
  const splitter = new FrameSplitter();
  const interrupted = (why: string, cause?: unknown): ProxyError =>
    new ProxyError("upstream_stream_interrupted", `Bedrock's event stream broke: ${why}.`, { cause });
  for await (const chunk of body) {
    let text = "";
    let frames: Uint8Array[];
    try {
      frames = splitter.push(chunk);
    } catch (error) {
      throw interrupted("bad framing", error);
    }
    for (const frame of frames) {
      let message: Message;
      try {
        message = codec.decode(frame);
      } catch (error) {
        throw interrupted("a frame failed its checksum", error);
      }
      const messageType = headerString(message, ":message-type");
      if (messageType === "exception" || messageType === "error") {
        const name = headerString(message, ":exception-type") ?? headerString(message, ":error-code") ?? "";
        const payload =
          messageType === "error"
            ? JSON.stringify({ message: headerString(message, ":error-message") })
            : toUtf8(message.body);
        // The exception ends the stream; it reaches the SDK as Anthropic's own `event: error`.
        yield Buffer.concat([Buffer.from(text), renderAnthropicStreamError(bedrockException(name, payload))]);
        return;
      }
      if (messageType === "event" && headerString(message, ":event-type") === "chunk") {
        try {
          text += chunkToSse(message);
        } catch (error) {
          throw interrupted("a chunk was not an Anthropic event", error);
        }
      }
    }
    if (text !== "") yield Buffer.from(text);
  }
  if (splitter.leftover > 0) throw interrupted("it ended inside a frame");
}
