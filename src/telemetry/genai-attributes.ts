// GenAI semantic-convention values derived from a provider: its `gen_ai.provider.name` and operation.
import type { ProviderRuntime } from "../routing/provider-runtime.ts";

/** Well-known names from the conventions; a free provider id falls back to its protocol. */
export function genAiProviderName(provider: ProviderRuntime): string {
  const host = new URL(provider.config.baseUrl).hostname;
  if (host.endsWith("deepseek.com")) return "deepseek";
  switch (provider.config.protocol) {
    case "anthropic":
      return "anthropic";
    case "vertex-anthropic":
      return "gcp.vertex_ai";
    case "bedrock-anthropic":
      return "aws.bedrock";
    case "ollama":
      return "ollama";
    default:
      return provider.id === "deepseek" ? "deepseek" : "openai";
  }
}

/** Caps label cardinality: the first `limit` models seen keep their name, the rest are `_other`. */
export function createModelLabeler(limit: number): (model: string | undefined) => string {
  const seen = new Set<string>();
  return (model) => {
    if (model === undefined || model === "") return "_unknown";
    if (seen.has(model)) return model;
    if (seen.size >= limit) return "_other";
    seen.add(model);
    return model;
  };
}
