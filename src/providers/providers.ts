// The static registry: config `protocol` → adapter. Nothing registers itself.
import type { Protocol } from "../config/config-types.ts";
import { anthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { bedrockAnthropicAdapter } from "./bedrock-anthropic/bedrock-anthropic-adapter.ts";
import { openaiAdapter } from "./openai/openai-adapter.ts";
import type { Dialect, ProviderAdapter } from "./provider-adapter.ts";
import { vertexAnthropicAdapter } from "./vertex-anthropic/vertex-anthropic-adapter.ts";

const adapters: Partial<Record<Protocol, ProviderAdapter>> = {
  anthropic: anthropicAdapter,
  openai: openaiAdapter,
  "vertex-anthropic": vertexAnthropicAdapter,
  "bedrock-anthropic": bedrockAnthropicAdapter,
};

export function adapterFor(protocol: Protocol): ProviderAdapter {
  const adapter = adapters[protocol];
  if (adapter === undefined) throw new Error(`protocol '${protocol}' is not available in this build`);
  return adapter;
}

const adaptersByDialect: Record<Dialect, ProviderAdapter> = {
  anthropic: anthropicAdapter,
  openai: openaiAdapter,
};

/** The adapter that renders errors in a client's dialect when no provider was resolved. */
export function adapterForDialect(dialect: Dialect): ProviderAdapter {
  return adaptersByDialect[dialect];
}
