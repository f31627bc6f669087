// The configuration used when there is no file: the built-in providers on the default ports.
import { configSchema } from "./config-schema.ts";
import type { OutriggerConfig } from "./config-types.ts";

/**
 * Providers `anthropic`, `deepseek` and `openai` (keys from ANTHROPIC_API_KEY, DEEPSEEK_API_KEY,
 * OPENAI_API_KEY), model rules claude-* / deepseek-* / gpt-*, o1*, o3*, o4*, every other key at its
 * documented default. A fresh object each call, so callers cannot share mutations.
 */
export function defaultConfig(): OutriggerConfig {
  return configSchema.parse({});
}
