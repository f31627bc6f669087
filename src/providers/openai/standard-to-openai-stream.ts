// Standard stream events → Chat Completions SSE chunks, incrementally, ending with `data: [DONE]`.
import { randomUUID } from "node:crypto";
import type { StandardStreamEvent } from "../../schema/standard-event.ts";
import type { EncoderEnvironment, StandardEventEncoder } from "../../schema/standard-event-encoder.ts";
import { mergeStandardUsage, type StandardUsage } from "../../schema/standard-usage.ts";
import { openaiErrorPayload } from "./standard-to-openai-error.ts";
import { standardToOpenAIFinishReason } from "./standard-to-openai-finish-reason.ts";
import { standardToOpenAIUsage } from "./standard-to-openai-usage.ts";

export interface OpenAIStreamEncoderOptions extends EncoderEnvironment {
  /** Used when the upstream names no model. */
  readonly model?: string;
  /** The client asked `stream_options.include_usage`: send the usage trailer chunk with `choices: []`. */
  readonly includeUsage?: boolean;
}

function data(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function createOpenAIStreamEncoder(options: OpenAIStreamEncoderOptions = {}): StandardEventEncoder {
  const randomId = options.randomId ?? (() => randomUUID().replaceAll("-", ""));
  const now = options.now ?? Date.now;
  // Every chunk of one completion carries the same id, created and model: SDKs key their snapshot on them.
  let id = "";
  let created = 0;
  let model = options.model ?? "unknown";
  const toolIndexes = new Map<number, number>();
  /** Tool calls (by OpenAI index) that have not received an argument fragment yet. */
  const withoutArguments = new Set<number>();
  let started = false;
  let finished = false;
  let usage: StandardUsage = {};

  function chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return data({ id, object: "chat.completion.chunk", created, model, choices: [choice] });
  }

  /**
   * A call without arguments (Anthropic streams none for `{}` input) still gets `"{}"`, as OpenAI sends it:
   * clients JSON.parse the arguments, and `""` is not JSON.
   */
  function emptyArguments(toolIndex: number): string {
    if (!withoutArguments.delete(toolIndex)) return "";
    return chunk({ tool_calls: [{ index: toolIndex, function: { arguments: "{}" } }] });
  }

  function start(event?: Extract<StandardStreamEvent, { type: "response-start" }>): string {
    started = true;
    id = event?.id ?? `chatcmpl-${randomId()}`;
    created = Math.floor(now() / 1000);
    if (event?.model !== undefined) model = event.model;
    if (event?.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
    // The role travels once, in the first chunk, as OpenAI sends it.
    return chunk({ role: "assistant", content: "" });
  }

  function encode(event: StandardStreamEvent): string {
    if (event.type === "response-start") {
      if (started) {
        if (event.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
        return "";
      }
      return start(event);
    }
    const prefix = started ? "" : start();
    switch (event.type) {
      case "text-delta":
        return event.text === "" ? prefix : prefix + chunk({ content: event.text });
      case "reasoning-delta":
        // Signatures and redacted reasoning cannot be carried; the readable text is DeepSeek's field.
        return event.text === "" ? prefix : prefix + chunk({ reasoning_content: event.text });
      case "tool-call-start": {
        const toolIndex = toolIndexes.size;
        toolIndexes.set(event.index, toolIndex);
        withoutArguments.add(toolIndex);
        const call = {
          index: toolIndex,
          id: event.id,
          type: "function",
          function: { name: event.name, arguments: "" },
        };
        return prefix + chunk({ tool_calls: [call] });
      }
      case "tool-call-delta": {
        const toolIndex = toolIndexes.get(event.index);
        if (toolIndex === undefined || event.argumentsDelta === "") return prefix;
        withoutArguments.delete(toolIndex);
        return (
          prefix +
          chunk({ tool_calls: [{ index: toolIndex, function: { arguments: event.argumentsDelta } }] })
        );
      }
      case "tool-call-end": {
        const toolIndex = toolIndexes.get(event.index);
        return toolIndex === undefined ? prefix : prefix + emptyArguments(toolIndex);
      }
      case "usage":
        usage = mergeStandardUsage(usage, event.usage);
        return prefix;
      case "response-end": {
        if (event.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
        finished = true;
        let out = prefix + [...withoutArguments].map(emptyArguments).join("");
        out += chunk({}, standardToOpenAIFinishReason(event.finishReason, event.rawFinishReason));
        if (options.includeUsage === true) {
          out += data({
            id,
            object: "chat.completion.chunk",
            created,
            model,
            choices: [],
            usage: standardToOpenAIUsage(usage),
          });
        }
        return `${out}data: [DONE]\n\n`;
      }
      case "error":
        // No [DONE] after an error: the SDK raises the error chunk as an APIError.
        finished = true;
        return prefix + data(openaiErrorPayload(event));
    }
  }

  return {
    push(event) {
      if (finished) return [];
      const text = encode(event);
      return text === "" ? [] : [Buffer.from(text)];
    },
    end() {
      if (finished) return [];
      finished = true;
      const message = "The upstream stream ended before the response was complete.";
      return [Buffer.from(data(openaiErrorPayload({ errorType: "api_error", message })))];
    },
  };
}
