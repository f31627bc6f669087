// The providers Outrigger knows out of the box, and the model rules that route to them.

/** What a provider with a built-in id may omit: its protocol, base URL and credentials. */
export interface BuiltinProvider {
  readonly protocol: "anthropic" | "openai";
  readonly baseUrl: string;
  readonly credentials: readonly { readonly env: string }[];
}

export const builtinProviders: Readonly<Record<string, BuiltinProvider>> = {
  anthropic: {
    protocol: "anthropic",
    baseUrl: "https://api.anthropic.com",
    credentials: [{ env: "ANTHROPIC_API_KEY" }],
  },
  // DeepSeek speaks the OpenAI wire protocol (with its own quirks, handled by the adapter).
  deepseek: {
    protocol: "openai",
    baseUrl: "https://api.deepseek.com",
    credentials: [{ env: "DEEPSEEK_API_KEY" }],
  },
  openai: { protocol: "openai", baseUrl: "https://api.openai.com", credentials: [{ env: "OPENAI_API_KEY" }] },
};

/** Unified-route rules used when a config sets no `models`: only those whose provider is configured apply. */
export const builtinModelRules: readonly { readonly match: string; readonly provider: string }[] = [
  { match: "claude-*", provider: "anthropic" },
  { match: "deepseek-*", provider: "deepseek" },
  { match: "gpt-*", provider: "openai" },
  { match: "o1*", provider: "openai" },
  { match: "o3*", provider: "openai" },
  { match: "o4*", provider: "openai" },
];
