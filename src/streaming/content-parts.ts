// Numbers a response's content parts as deltas arrive: text and reasoning runs, and tool calls, each a part.
import type { StandardStreamEvent } from "../schema/standard-event.ts";

/**
 * Chat Completions and Ollama send text and reasoning as loose deltas: a change of kind opens a new
 * part, and a tool call takes a part of its own and ends the run before it.
 */
export class ContentParts {
  #next = 0;
  #current: { kind: "text" | "reasoning"; part: number } | undefined;

  /** The delta event for `text`, in the current run's part or a new one when the kind changed. */
  delta(kind: "text" | "reasoning", text: string): StandardStreamEvent {
    if (this.#current?.kind !== kind) this.#current = { kind, part: this.#next++ };
    const index = this.#current.part;
    return kind === "text" ? { type: "text-delta", index, text } : { type: "reasoning-delta", index, text };
  }

  /** A part for a tool call; the next text or reasoning delta opens a part after it. */
  toolCall(): number {
    this.#current = undefined;
    return this.#next++;
  }
}
