// The "app" of the patch-is-executable test: official SDKs configured by their environment alone, as in an injected pod.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

// No options: each SDK reads its own *_BASE_URL and *_API_KEY, exactly as an unmodified app would.
const anthropic = new Anthropic();
const openai = new OpenAI();
// DeepSeek's documented usage: the OpenAI SDK with DeepSeek's base URL and key.
const deepseek = new OpenAI({ baseURL: process.env.DEEPSEEK_BASE_URL, apiKey: process.env.DEEPSEEK_API_KEY });
const question = [{ role: "user" as const, content: "Hello from a pod" }];

const message = await anthropic.messages.create({
  model: "claude-haiku-4-5",
  max_tokens: 64,
  messages: question,
});
const streamed = await anthropic.messages
  .stream({ model: "claude-haiku-4-5", max_tokens: 64, messages: question })
  .finalMessage();
const completion = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: question });
const reasoning = await deepseek.chat.completions.create({ model: "deepseek-chat", messages: question });

const text = (content: readonly { type: string; text?: string }[]) =>
  content.map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("");
const answers: Record<string, string> = {
  anthropic: text(message.content),
  anthropicStream: text(streamed.content),
  openai: completion.choices[0]?.message.content ?? "",
  deepseek: reasoning.choices[0]?.message.content ?? "",
};

// `--direct`: an app that hard-codes the providers' real URLs; only HTTPS_PROXY and the CA trust reach it.
if (process.argv.includes("--direct")) {
  const direct = new Anthropic({ baseURL: "https://api.anthropic.com" });
  answers.anthropicDirect = text(
    (await direct.messages.create({ model: "claude-haiku-4-5", max_tokens: 64, messages: question })).content,
  );
  const directOpenAi = new OpenAI({ baseURL: "https://api.openai.com/v1" });
  answers.openaiDirect =
    (await directOpenAi.chat.completions.create({ model: "gpt-4o-mini", messages: question })).choices[0]
      ?.message.content ?? "";
}
process.stdout.write(`${JSON.stringify(answers)}\n`);
