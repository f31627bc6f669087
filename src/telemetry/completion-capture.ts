// Completion text for spans, only when content capture is on: a second decoder reads the body as it passes.
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { StandardEventDecoder, StandardStreamEvent } from "../schema/standard-event.ts";

interface Part {
  type: "text" | "reasoning" | "tool_call";
  content?: string;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface CompletionCapture {
  /** The same bytes, read by the capture on their way to the client. */
  readonly response: ProxyResponse;
  /** `gen_ai.output.messages` as the GenAI conventions shape it (JSON), once anything was read. */
  outputMessages(): string | undefined;
}

/** Folds standard events into message parts, one per content index. */
function createCollector() {
  const parts = new Map<number, Part>();
  let finish: string | undefined;
  const part = (index: number, type: Part["type"]): Part => {
    let found = parts.get(index);
    if (found === undefined) {
      found = { type };
      parts.set(index, found);
    }
    return found;
  };
  return {
    add(events: readonly StandardStreamEvent[]): void {
      for (const event of events) {
        if (event.type === "text-delta") {
          const text = part(event.index, "text");
          text.content = (text.content ?? "") + event.text;
        } else if (event.type === "reasoning-delta") {
          const reasoning = part(event.index, "reasoning");
          reasoning.content = (reasoning.content ?? "") + event.text;
        } else if (event.type === "tool-call-start") {
          Object.assign(part(event.index, "tool_call"), { id: event.id, name: event.name });
        } else if (event.type === "tool-call-delta") {
          const call = part(event.index, "tool_call");
          call.arguments = (call.arguments ?? "") + event.argumentsDelta;
        } else if (event.type === "response-end") {
          finish = event.rawFinishReason ?? event.finishReason;
        }
      }
    },
    messages(): string | undefined {
      if (parts.size === 0) return undefined;
      const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
      return JSON.stringify([
        { role: "assistant", parts: ordered, ...(finish === undefined ? {} : { finish_reason: finish }) },
      ]);
    },
  };
}

async function* reading(
  body: AsyncIterable<Uint8Array>,
  decoder: StandardEventDecoder,
  collect: (events: readonly StandardStreamEvent[]) => void,
): AsyncGenerator<Uint8Array> {
  let ended = false;
  try {
    for await (const chunk of body) {
      try {
        collect(decoder.push(chunk));
      } catch {
        // Capture is best effort: a decoding failure never touches the response.
      }
      yield chunk;
    }
    ended = true;
  } finally {
    if (ended) {
      try {
        collect(decoder.end());
      } catch {
        // As above.
      }
    }
  }
}

/** Wraps `response` so its body is also decoded into completion text; without a decoder, nothing is read. */
export function captureCompletion(
  response: ProxyResponse,
  decoder: StandardEventDecoder | undefined,
): CompletionCapture {
  const collector = createCollector();
  if (decoder === undefined) return { response, outputMessages: () => undefined };
  const collect = (events: readonly StandardStreamEvent[]): void => collector.add(events);
  if (response.body instanceof Uint8Array) {
    try {
      collect(decoder.push(response.body));
      collect(decoder.end());
    } catch {
      // Best effort, as for streams.
    }
    return { response, outputMessages: () => collector.messages() };
  }
  return {
    response: { ...response, body: reading(response.body, decoder, collect) },
    outputMessages: () => collector.messages(),
  };
}
