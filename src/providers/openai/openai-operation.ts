// Which GenAI operation an OpenAI-API path names (`/v1/chat/completions` is `chat`), for telemetry.
import type { GenAiOperation } from "../provider-adapter.ts";

/** Matched on the path's end, so any prefix (`/openai/v1`, `/deepseek`, a base URL's path) works. */
export function openaiOperation(path: string): GenAiOperation | undefined {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  if (trimmed.endsWith("/chat/completions") || trimmed.endsWith("/responses")) return "chat";
  if (trimmed.endsWith("/embeddings")) return "embeddings";
  if (trimmed.endsWith("/completions")) return "text_completion";
  return undefined;
}
