// Standard stream events → Anthropic Messages SSE, incrementally: one content block per standard part.
import { randomUUID } from "node:crypto";
import type { StandardStreamEvent } from "../../schema/standard-event.ts";
import type { EncoderEnvironment, StandardEventEncoder } from "../../schema/standard-event-encoder.ts";
import { mergeStandardUsage, type StandardUsage } from "../../schema/standard-usage.ts";
import { anthropicErrorType } from "./standard-to-anthropic-error.ts";
import { standardToAnthropicStopReason } from "./standard-to-anthropic-stop-reason.ts";
import { standardToAnthropicUsage } from "./standard-to-anthropic-usage.ts";

export interface AnthropicStreamEncoderOptions extends EncoderEnvironment {
  /** Used when the upstream names no model. */
  readonly model?: string;
}

type BlockKind = "text" | "thinking" | "tool_use";

interface Block {
  readonly index: number;
  readonly kind: BlockKind;
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export function createAnthropicStreamEncoder(
  options: AnthropicStreamEncoderOptions = {},
): StandardEventEncoder {
  const randomId = options.randomId ?? (() => randomUUID().replaceAll("-", ""));
  const blocks = new Map<number, Block>();
  let open: Block | undefined;
  let nextIndex = 0;
  let started = false;
  let finished = false;
  let usage: StandardUsage = {};

  function start(event?: Extract<StandardStreamEvent, { type: "response-start" }>): string {
    started = true;
    if (event?.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
    const message = {
      id: event?.id ?? `msg_${randomId()}`,
      type: "message",
      role: "assistant",
      model: event?.model ?? options.model ?? "unknown",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, ...standardToAnthropicUsage(usage) },
    };
    return sse("message_start", { message });
  }

  function close(): string {
    if (open === undefined) return "";
    const index = open.index;
    open = undefined;
    return sse("content_block_stop", { index });
  }

  /** Opens the block for a standard part; parts never interleave in Anthropic, so the open one closes. */
  function openBlock(
    partIndex: number,
    kind: BlockKind,
    contentBlock: Record<string, unknown>,
  ): [Block, string] {
    const closing = close();
    const block = { index: nextIndex++, kind };
    blocks.set(partIndex, block);
    open = block;
    return [
      block,
      `${closing}${sse("content_block_start", { index: block.index, content_block: contentBlock })}`,
    ];
  }

  function delta(block: Block, payload: Record<string, unknown>): string {
    return sse("content_block_delta", { index: block.index, delta: payload });
  }

  function encode(event: StandardStreamEvent): string {
    if (event.type === "response-start") {
      // A repeated start (seen in the wild) must not open a second message.
      if (started) {
        if (event.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
        return "";
      }
      return start(event);
    }
    const prefix = started ? "" : start();
    switch (event.type) {
      case "text-delta": {
        let block = blocks.get(event.index);
        let out = prefix;
        if (block === undefined) {
          if (event.text === "") return prefix;
          const [opened, opening] = openBlock(event.index, "text", { type: "text", text: "" });
          block = opened;
          out += opening;
        }
        return event.text === "" ? out : out + delta(block, { type: "text_delta", text: event.text });
      }
      case "reasoning-delta": {
        if (event.redacted !== undefined) {
          const [, opening] = openBlock(event.index, "thinking", {
            type: "redacted_thinking",
            data: event.redacted,
          });
          return prefix + opening + close();
        }
        let block = blocks.get(event.index);
        let out = prefix;
        if (block === undefined) {
          if (event.text === "" && event.signature === undefined) return prefix;
          const [opened, opening] = openBlock(event.index, "thinking", {
            type: "thinking",
            thinking: "",
            signature: "",
          });
          block = opened;
          out += opening;
        }
        if (event.text !== "") out += delta(block, { type: "thinking_delta", thinking: event.text });
        if (event.signature !== undefined)
          out += delta(block, { type: "signature_delta", signature: event.signature });
        return out;
      }
      case "tool-call-start": {
        const [, opening] = openBlock(event.index, "tool_use", {
          type: "tool_use",
          id: event.id,
          name: event.name,
          input: {},
        });
        return prefix + opening;
      }
      case "tool-call-delta": {
        // Parallel calls whose fragments interleave upstream (rare; OpenAI sends them one after the other):
        // a late fragment still goes to its own block's index, which the Anthropic SDKs accumulate by.
        const block = blocks.get(event.index);
        if (block === undefined || event.argumentsDelta === "") return prefix;
        return prefix + delta(block, { type: "input_json_delta", partial_json: event.argumentsDelta });
      }
      case "tool-call-end":
        return prefix + (open !== undefined && blocks.get(event.index) === open ? close() : "");
      case "usage":
        usage = mergeStandardUsage(usage, event.usage);
        return prefix;
      case "response-end": {
        if (event.usage !== undefined) usage = mergeStandardUsage(usage, event.usage);
        finished = true;
        const stopReason = standardToAnthropicStopReason(event.finishReason, event.rawFinishReason);
        return `${prefix}${close()}${sse("message_delta", {
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: standardToAnthropicUsage(usage),
        })}${sse("message_stop", {})}`;
      }
      case "error":
        finished = true;
        return `${prefix}${sse("error", {
          error: { type: anthropicErrorType(event), message: event.message },
        })}`;
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
      // A stream cut short must not look complete to the SDK: it gets an error, not a message_stop.
      const error = {
        type: "api_error",
        message: "The upstream stream ended before the response was complete.",
      };
      return [Buffer.from(sse("error", { error }))];
    },
  };
}
