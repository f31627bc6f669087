// Ollama `/api/chat` (and `/api/generate`) NDJSON lines → standard events.
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardFinishReason, StandardUsage } from "../schema/standard-usage.ts";
import { ContentParts } from "./content-parts.ts";
import { arrayField, countField, isRecord, type JsonRecord, recordField, stringField } from "./json-value.ts";

const finishReasons: Readonly<Record<string, StandardFinishReason>> = { stop: "stop", length: "length" };

/** Whether a parsed NDJSON line looks like Ollama's (so the NDJSON decoder hands it here). */
export function isOllamaLine(value: JsonRecord): boolean {
  return typeof value.done === "boolean" || isRecord(value.message) || typeof value.response === "string";
}

export class OllamaLineReader {
  #started = false;
  readonly #parts = new ContentParts();
  #toolCalls = 0;

  read(line: JsonRecord): StandardStreamEvent[] {
    const events: StandardStreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      const start: StandardStreamEvent = { type: "response-start", provider: "ollama" };
      const model = stringField(line, "model");
      if (model !== undefined) start.model = model;
      events.push(start);
    }
    const message = recordField(line, "message") ?? {};
    const thinking = stringField(message, "thinking") ?? stringField(line, "thinking");
    const content = stringField(message, "content") ?? stringField(line, "response");
    if (thinking) events.push(this.#parts.delta("reasoning", thinking));
    if (content) events.push(this.#parts.delta("text", content));
    for (const call of arrayField(message, "tool_calls") ?? []) this.#toolCall(call, events);
    if (line.done === true) this.#done(line, events);
    return events;
  }

  /** Ollama sends each tool call whole, its arguments as an object. */
  #toolCall(value: unknown, events: StandardStreamEvent[]): void {
    const fn = isRecord(value) ? recordField(value, "function") : undefined;
    const name = fn === undefined ? undefined : stringField(fn, "name");
    if (fn === undefined || name === undefined) return;
    const index = this.#parts.toolCall();
    this.#toolCalls += 1;
    const id = (isRecord(value) ? stringField(value, "id") : undefined) ?? `call_${this.#toolCalls}`;
    const argumentsText =
      typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    events.push({ type: "tool-call-start", index, id, name });
    events.push({ type: "tool-call-delta", index, argumentsDelta: argumentsText });
    events.push({ type: "tool-call-end", index });
  }

  #done(line: JsonRecord, events: StandardStreamEvent[]): void {
    const usage: StandardUsage = {};
    const input = countField(line, "prompt_eval_count");
    const output = countField(line, "eval_count");
    if (input !== undefined) usage.inputTokens = input;
    if (output !== undefined) usage.outputTokens = output;
    events.push({ type: "usage", usage });
    const end: StandardStreamEvent = { type: "response-end", usage };
    const reason = stringField(line, "done_reason") ?? (this.#toolCalls > 0 ? "tool_calls" : "stop");
    end.finishReason =
      this.#toolCalls > 0 && reason === "stop" ? "tool_calls" : (finishReasons[reason] ?? "other");
    end.rawFinishReason = reason;
    events.push(end);
  }
}
