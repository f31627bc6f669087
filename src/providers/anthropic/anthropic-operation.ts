// Which GenAI operation an Anthropic-API path names (`/v1/messages` is `chat`), for telemetry.
import type { GenAiOperation } from "../provider-adapter.ts";

/** Token counting (`/v1/messages/count_tokens`), batches and model lists are not GenAI operations. */
export function anthropicOperation(path: string): GenAiOperation | undefined {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  if (trimmed.endsWith("/messages")) return "chat";
  if (trimmed.endsWith("/complete")) return "text_completion";
  return undefined;
}
