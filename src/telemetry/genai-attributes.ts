// GenAI semantic-convention values derived from a provider: its `gen_ai.provider.name` and operation.
import type { OutriggerConfig } from "../config/config-types.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";

/** Parsing the base URL per request showed in profiles: the name is fixed per provider. */
const namesByProvider = new WeakMap<ProviderRuntime, string>();

/** Well-known names from the conventions; a free provider id falls back to its protocol. */
export function genAiProviderName(provider: ProviderRuntime): string {
  let name = namesByProvider.get(provider);
  if (name === undefined) {
    name = deriveGenAiProviderName(provider);
    namesByProvider.set(provider, name);
  }
  return name;
}

/**
 * OpenAI-compatible services the conventions name, by the host of their API. `.` matches the domain and
 * its subdomains (Azure OpenAI's resource hosts are `{name}.openai.azure.com`).
 */
const namesByHost: readonly (readonly [string, string])[] = [
  ["deepseek.com", "deepseek"],
  ["openai.azure.com", "azure.ai.openai"],
  ["services.ai.azure.com", "azure.ai.inference"],
  ["models.ai.azure.com", "azure.ai.inference"],
  ["groq.com", "groq"],
  ["mistral.ai", "mistral_ai"],
  ["x.ai", "x_ai"],
  ["perplexity.ai", "perplexity"],
  ["moonshot.ai", "moonshot_ai"],
  ["moonshot.cn", "moonshot_ai"],
  ["cohere.com", "cohere"],
  ["cohere.ai", "cohere"],
  ["generativelanguage.googleapis.com", "gcp.gemini"],
  ["aiplatform.googleapis.com", "gcp.vertex_ai"],
];

function nameByHost(host: string): string | undefined {
  for (const [domain, name] of namesByHost) {
    if (host === domain || host.endsWith(`.${domain}`)) return name;
  }
  return undefined;
}

function deriveGenAiProviderName(provider: ProviderRuntime): string {
  const host = new URL(provider.config.baseUrl).hostname;
  const byHost = nameByHost(host);
  if (byHost !== undefined && provider.config.protocol === "openai") return byHost;
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

/** `server.address` and `server.port` of a URL. */
function serverOf(url: string): { address: string; port: number } {
  const parsed = new URL(url);
  return {
    address: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80)),
  };
}

/** Fixed per URL: parsing the provider's base URL and origin per span showed in bench/ profiles. */
const serversByUrl = new Map<string, { address: string; port: number }>();
export function cachedServerOf(url: string): { address: string; port: number } {
  let server = serversByUrl.get(url);
  if (server === undefined) {
    server = serverOf(url);
    serversByUrl.set(url, server);
  }
  return server;
}

/**
 * Caps label cardinality: configured models always keep their name; of the others, the first `limit`
 * seen keep theirs and the rest are `_other`.
 */
export function createModelLabeler(
  limit: number,
  configured: Iterable<string> = [],
): (model: string | undefined) => string {
  const known = new Set(configured);
  const seen = new Set<string>();
  return (model) => {
    if (model === undefined || model === "") return "_unknown";
    if (known.has(model) || seen.has(model)) return model;
    if (seen.size >= limit) return "_other";
    seen.add(model);
    return model;
  };
}

/** Model names the config spells out: `models` rules without a glob, and every fallback's target model. */
export function configuredModelNames(config: OutriggerConfig): string[] {
  const names = config.models.filter((rule) => !/[*?]/.test(rule.match)).map((rule) => rule.match);
  const fallbacks = [
    ...config.models.flatMap((rule) => rule.fallback),
    ...Object.values(config.providers).flatMap((provider) => provider.fallback),
  ];
  for (const target of fallbacks) if (target.model !== undefined) names.push(target.model);
  return names;
}
