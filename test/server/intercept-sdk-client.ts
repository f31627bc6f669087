// Child process for intercept-sdk.test.ts: an unchanged app using the official SDKs at their default base URLs.
// It knows nothing about the sidecar; HTTPS_PROXY, NODE_USE_ENV_PROXY and NODE_EXTRA_CA_CERTS do the work.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

const anthropic = new Anthropic();
const openai = new OpenAI();
// DeepSeek's documented setup: the OpenAI SDK with DeepSeek's real URL.
const deepseek = new OpenAI({ baseURL: "https://api.deepseek.com", apiKey: process.env.DEEPSEEK_API_KEY });

const results: Record<string, unknown> = {};

const created = await anthropic.messages.create({
  model: "claude-sonnet-4-5",
  max_tokens: 128,
  messages: [{ role: "user", content: "Hello" }],
});
results.anthropicCreate = { content: created.content, outputTokens: created.usage.output_tokens };

const streamed = await anthropic.messages
  .stream({ model: "claude-sonnet-4-5", max_tokens: 128, messages: [{ role: "user", content: "Hi" }] })
  .finalMessage();
results.anthropicStream = {
  text: streamed.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
  stopReason: streamed.stop_reason,
  outputTokens: streamed.usage.output_tokens,
};

const completion = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }],
});
results.openaiCreate = {
  content: completion.choices[0]?.message.content,
  totalTokens: completion.usage?.total_tokens,
};

const chunks = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }],
  stream: true,
  stream_options: { include_usage: true },
});
let text = "";
let totalTokens: number | undefined;
for await (const chunk of chunks) {
  text += chunk.choices[0]?.delta.content ?? "";
  if (chunk.usage) totalTokens = chunk.usage.total_tokens;
}
results.openaiStream = { text, totalTokens };

const reasoning = await deepseek.chat.completions.create({
  model: "deepseek-reasoner",
  messages: [{ role: "user", content: "Think" }],
  stream: true,
});
let answer = "";
let thought = "";
for await (const chunk of reasoning) {
  const delta = chunk.choices[0]?.delta as
    | { content?: string | null; reasoning_content?: string }
    | undefined;
  answer += delta?.content ?? "";
  thought += delta?.reasoning_content ?? "";
}
results.deepseekStream = { text: answer, reasoning: thought };

// Raw bytes through plain fetch, as any app's HTTP client would see them.
const raw = await fetch("https://api.deepseek.com/chat/completions", {
  method: "POST",
  headers: { "content-type": "application/json", "x-simulator-fixture": "deepseek/deepseek-text" },
  body: JSON.stringify({ model: "deepseek-chat", stream: true, messages: [] }),
});
results.rawStream = { status: raw.status, base64: Buffer.from(await raw.arrayBuffer()).toString("base64") };

process.stdout.write(`${JSON.stringify(results)}\n`);
