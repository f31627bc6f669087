// An OpenAI embeddings answer (`/v1/embeddings`) read for telemetry: its model and token usage, no content.
import type { StandardResponse } from "../../schema/standard-response.ts";
import type { StandardUsage } from "../../schema/standard-usage.ts";
import { arrayField, isRecord, stringField } from "../../streaming/json-value.ts";
import { type OpenAIUsage, parseOpenAIUsage } from "./openai-api.ts";

/**
 * `{"object":"list","data":[…],"model":…,"usage":{"prompt_tokens":…}}`: a standard response with no
 * parts, so the observation counts its input tokens. A list without usage (a model list) is not one.
 */
export function openaiEmbeddingsToStandard(
  body: unknown,
  provider: string,
  // Passed in: the usage mapping lives beside the chat reader, which imports this file.
  usageToStandard: (usage: OpenAIUsage) => StandardUsage,
): StandardResponse | undefined {
  if (!isRecord(body) || body.object !== "list" || arrayField(body, "data") === undefined) return undefined;
  const usage = parseOpenAIUsage(body.usage);
  if (usage?.prompt_tokens === undefined) return undefined;
  const response: StandardResponse = { provider, parts: [], usage: usageToStandard(usage) };
  const model = stringField(body, "model");
  if (model !== undefined) response.model = model;
  return response;
}
