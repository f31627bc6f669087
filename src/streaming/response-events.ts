// A complete standard response replayed as the stream events that would have produced it.
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardResponse } from "../schema/standard-response.ts";

export function standardResponseToEvents(response: StandardResponse): StandardStreamEvent[] {
  const start: StandardStreamEvent = { type: "response-start", provider: response.provider };
  if (response.id !== undefined) start.id = response.id;
  if (response.model !== undefined) start.model = response.model;
  const events: StandardStreamEvent[] = [start];
  response.parts.forEach((part, index) => {
    switch (part.type) {
      case "text":
        if (part.text !== "") events.push({ type: "text-delta", index, text: part.text });
        break;
      case "reasoning": {
        if (part.text !== "") events.push({ type: "reasoning-delta", index, text: part.text });
        if (part.signature !== undefined) {
          events.push({ type: "reasoning-delta", index, text: "", signature: part.signature });
        }
        if (part.redacted !== undefined) {
          events.push({ type: "reasoning-delta", index, text: "", redacted: part.redacted });
        }
        break;
      }
      case "tool-call":
        events.push({ type: "tool-call-start", index, id: part.id, name: part.name });
        if (part.arguments !== "")
          events.push({ type: "tool-call-delta", index, argumentsDelta: part.arguments });
        events.push({ type: "tool-call-end", index });
        break;
    }
  });
  events.push({ type: "usage", usage: response.usage });
  const end: StandardStreamEvent = { type: "response-end", usage: response.usage };
  if (response.finishReason !== undefined) end.finishReason = response.finishReason;
  if (response.rawFinishReason !== undefined) end.rawFinishReason = response.rawFinishReason;
  events.push(end);
  return events;
}
