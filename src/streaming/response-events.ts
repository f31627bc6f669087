// A complete standard response replayed as the stream events that would have produced it.
import type { StandardStreamEvent } from "../schema/standard-event.ts";
import type { StandardResponse, StandardResponsePart } from "../schema/standard-response.ts";

/** The events one part replays as, in order; none for an empty text. */
function partEvents(part: StandardResponsePart, index: number): StandardStreamEvent[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [{ type: "text-delta", index, text: part.text }];
    case "reasoning": {
      const events: StandardStreamEvent[] = [];
      if (part.text !== "") events.push({ type: "reasoning-delta", index, text: part.text });
      if (part.signature !== undefined) {
        events.push({ type: "reasoning-delta", index, text: "", signature: part.signature });
      }
      if (part.redacted !== undefined) {
        events.push({ type: "reasoning-delta", index, text: "", redacted: part.redacted });
      }
      return events;
    }
    case "tool-call": {
      const events: StandardStreamEvent[] = [
        { type: "tool-call-start", index, id: part.id, name: part.name },
      ];
      if (part.arguments !== "")
        events.push({ type: "tool-call-delta", index, argumentsDelta: part.arguments });
      events.push({ type: "tool-call-end", index });
      return events;
    }
  }
}

function startEvent(response: StandardResponse): StandardStreamEvent {
  const start: StandardStreamEvent = { type: "response-start", provider: response.provider };
  if (response.id !== undefined) start.id = response.id;
  if (response.model !== undefined) start.model = response.model;
  return start;
}

function endEvent(response: StandardResponse): StandardStreamEvent {
  const end: StandardStreamEvent = { type: "response-end", usage: response.usage };
  if (response.finishReason !== undefined) end.finishReason = response.finishReason;
  if (response.rawFinishReason !== undefined) end.rawFinishReason = response.rawFinishReason;
  return end;
}

export function standardResponseToEvents(response: StandardResponse): StandardStreamEvent[] {
  const events: StandardStreamEvent[] = [startEvent(response)];
  for (let index = 0; index < response.parts.length; index++) {
    events.push(...partEvents(response.parts[index]!, index));
  }
  events.push({ type: "usage", usage: response.usage }, endEvent(response));
  return events;
}

/**
 * What the observation reads of the same replay: the start, the first content event (the first token) and
 * the end with usage and finish reason. The full replay of a long answer is many objects per request that
 * only a converter needs (bench/README.md); the observation folds both to the same record.
 */
export function standardResponseToObservedEvents(response: StandardResponse): StandardStreamEvent[] {
  const events: StandardStreamEvent[] = [startEvent(response)];
  for (let index = 0; index < response.parts.length; index++) {
    const first = partEvents(response.parts[index]!, index)[0];
    if (first !== undefined) {
      events.push(first);
      break;
    }
  }
  events.push(endEvent(response));
  return events;
}
