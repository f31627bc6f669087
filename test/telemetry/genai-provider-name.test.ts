// gen_ai.provider.name: the conventions' well-known names, from the protocol and the API's host.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProviderRuntime } from "../../src/routing/provider-runtime.ts";
import { genAiProviderName } from "../../src/telemetry/genai-attributes.ts";

function provider(id: string, protocol: string, baseUrl: string): ProviderRuntime {
  // Only the id and these two config keys are read.
  return { id, config: { protocol, baseUrl } } as unknown as ProviderRuntime;
}

test("OpenAI-compatible services are named by their host; unknown hosts stay `openai`", () => {
  const cases: [string, string, string, string][] = [
    ["openai", "openai", "https://api.openai.com/v1", "openai"],
    ["ds", "openai", "https://api.deepseek.com", "deepseek"],
    ["azure", "openai", "https://my-resource.openai.azure.com/openai/deployments/gpt-4o", "azure.ai.openai"],
    ["groq", "openai", "https://api.groq.com/openai/v1", "groq"],
    ["mistral", "openai", "https://api.mistral.ai/v1", "mistral_ai"],
    ["grok", "openai", "https://api.x.ai/v1", "x_ai"],
    ["pplx", "openai", "https://api.perplexity.ai", "perplexity"],
    ["kimi", "openai", "https://api.moonshot.ai/v1", "moonshot_ai"],
    ["gemini", "openai", "https://generativelanguage.googleapis.com/v1beta/openai", "gcp.gemini"],
    ["local", "openai", "http://127.0.0.1:8000/v1", "openai"],
    // A host that merely ends like a known one is not it.
    ["lookalike", "openai", "https://notx.ai/v1", "openai"],
  ];
  for (const [id, protocol, baseUrl, expected] of cases)
    assert.equal(genAiProviderName(provider(id, protocol, baseUrl)), expected, baseUrl);
});

test("the other protocols keep their platform's name", () => {
  assert.equal(genAiProviderName(provider("a", "anthropic", "https://api.anthropic.com")), "anthropic");
  assert.equal(
    genAiProviderName(provider("ds-a", "anthropic", "https://api.deepseek.com/anthropic")),
    "deepseek",
  );
  assert.equal(
    genAiProviderName(provider("v", "vertex-anthropic", "https://us-east5-aiplatform.googleapis.com")),
    "gcp.vertex_ai",
  );
  assert.equal(
    genAiProviderName(provider("b", "bedrock-anthropic", "https://bedrock-runtime.us-east-1.amazonaws.com")),
    "aws.bedrock",
  );
});
