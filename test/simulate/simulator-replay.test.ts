// The simulator serves every recorded fixture over a real socket exactly as the provider sent it, and picks fixtures by body.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { parse } from "yaml";
import { listFixtureFiles } from "../../src/simulate/fixture-store.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { fixtures, parseSse, send } from "./simulator-test-helpers.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ fixtures });
});
after(async () => {
  await simulator.close();
});

function pathFor(file: string): string {
  if (file.startsWith("anthropic/")) return "/v1/messages";
  if (file.startsWith("deepseek/")) return "/chat/completions";
  return "/v1/chat/completions";
}

function fileLines(file: string): string[] {
  return readFileSync(join(fixtures, file), "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

for (const file of listFixtureFiles(fixtures)) {
  test(`serves ${file} as recorded`, async () => {
    const streaming = !file.endsWith(".json");
    const response = await send(
      simulator.url,
      pathFor(file),
      { model: "any", stream: streaming },
      { "x-simulator-fixture": file },
    );
    assert.equal(response.error, undefined);
    const bytes = readFileSync(join(fixtures, file));
    if (file.endsWith(".chunks.txt")) {
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-type"], "text/event-stream; charset=utf-8");
      const events = parseSse(response.body.toString("utf8"));
      const lines = fileLines(file);
      if (file.startsWith("anthropic/")) {
        assert.deepEqual(
          events.map((event) => [event.event, event.data]),
          lines.map((line) => [(JSON.parse(line) as { type: string }).type, line]),
        );
      } else {
        assert.deepEqual(
          events.map((event) => event.data),
          [...lines, "[DONE]"],
        );
      }
    } else if (file.endsWith(".json")) {
      assert.equal(response.headers["content-type"], "application/json");
      assert.equal(response.headers["content-length"], String(bytes.length));
      assert.ok(response.body.equals(bytes));
    } else if (file.endsWith(".yaml")) {
      const recorded = (
        parse(bytes.toString("utf8")) as {
          interactions: { response: { code: number; body: string; headers: Record<string, string[]> } }[];
        }
      ).interactions[0]?.response;
      assert.ok(recorded !== undefined);
      assert.equal(response.status, recorded.code);
      assert.equal(response.body.toString("utf8"), recorded.body);
      for (const [name, values] of Object.entries(recorded.headers)) {
        assert.equal(response.headers[name.toLowerCase()], values.join(", "), name);
      }
    } else {
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-type"], "text/event-stream; charset=utf-8");
      assert.ok(response.body.equals(bytes), "byte for byte");
    }
    const recordedRequest = simulator.requests.at(-1);
    assert.equal(recordedRequest?.fixture, file);
    assert.equal(recordedRequest?.status, response.status);
  });
}

const choices: readonly [string, string, Record<string, unknown>, string][] = [
  [
    "anthropic text",
    "/v1/messages",
    { model: "claude-sonnet-4-5", stream: true },
    "anthropic/anthropic-text.chunks.txt",
  ],
  ["anthropic json", "/v1/messages", { model: "claude-sonnet-4-5" }, "anthropic/anthropic-text.json"],
  [
    "anthropic thinking",
    "/v1/messages",
    { model: "c", stream: true, thinking: { type: "enabled", budget_tokens: 1024 } },
    "anthropic/anthropic-clear-thinking.1.chunks.txt",
  ],
  [
    "anthropic tools",
    "/v1/messages",
    { model: "c", tools: [{ name: "t" }] },
    "anthropic/anthropic-json-tool.1.json",
  ],
  [
    "deepseek reasoner",
    "/chat/completions",
    { model: "deepseek-reasoner", stream: true },
    "deepseek/deepseek-reasoning.chunks.txt",
  ],
  [
    "deepseek tools",
    "/chat/completions",
    { model: "deepseek-chat", tools: [{ type: "function" }] },
    "deepseek/deepseek-tool-call.json",
  ],
  [
    "deepseek text",
    "/chat/completions",
    { model: "deepseek-chat", stream: true },
    "deepseek/deepseek-text.chunks.txt",
  ],
  [
    "openai tools",
    "/v1/chat/completions",
    { model: "gpt-5-nano", tools: [{ type: "function" }] },
    "openai/cassette-chat-tools.yaml",
  ],
  [
    "openai tools streaming",
    "/v1/chat/completions",
    { model: "gpt-5", stream: true, tools: [{}] },
    "openai/openai-text.chunks.txt",
  ],
  ["openai text", "/chat/completions", { model: "gpt-4o" }, "openai/openai-text.json"],
];

for (const [name, path, body, file] of choices) {
  test(`picks ${file} for ${name}`, async () => {
    const response = await send(simulator.url, path, body);
    assert.equal(response.status, 200);
    assert.equal(simulator.requests.at(-1)?.fixture, file);
  });
}

test("the x-simulator-fixture header wins over the body", async () => {
  const response = await send(
    simulator.url,
    "/v1/messages",
    { model: "c", stream: true, tools: [{}] },
    {
      "x-simulator-fixture": "anthropic/anthropic-refusal",
    },
  );
  assert.equal(simulator.requests.at(-1)?.fixture, "anthropic/anthropic-refusal.chunks.txt");
  assert.match(response.body.toString(), /"refusal"/);
});

test("a mode the fixture lacks, an unknown fixture and a non-JSON body are 400s in the path's dialect", async () => {
  const noVariant = await send(
    simulator.url,
    "/v1/chat/completions",
    { stream: false },
    {
      "x-simulator-fixture": "openai/cassette-chat-streaming",
    },
  );
  assert.equal(noVariant.status, 400);
  const openaiError = JSON.parse(noVariant.body.toString()) as { error: { message: string; type: string } };
  assert.equal(openaiError.error.type, "invalid_request_error");
  assert.match(openaiError.error.message, /no non-streaming variant/);
  const unknown = await send(
    simulator.url,
    "/v1/messages",
    { stream: true },
    { "x-simulator-fixture": "anthropic/missing" },
  );
  assert.equal(unknown.status, 400);
  const anthropicError = JSON.parse(unknown.body.toString()) as { type: string; error: { type: string } };
  assert.equal(anthropicError.type, "error");
  assert.equal(anthropicError.error.type, "invalid_request_error");
  const notJson = await send(simulator.url, "/chat/completions", "not json");
  assert.equal(notJson.status, 400);
});

test("unknown paths answer 404 in the path's dialect", async () => {
  const anthropic = await send(simulator.url, "/v1/messages/batches", {}, {}, "GET");
  assert.equal(anthropic.status, 404);
  assert.deepEqual(JSON.parse(anthropic.body.toString()), {
    type: "error",
    error: { type: "not_found_error", message: "Not Found" },
  });
  const withVersion = await send(
    simulator.url,
    "/v1/models",
    undefined,
    { "anthropic-version": "2023-06-01" },
    "GET",
  );
  assert.equal((JSON.parse(withVersion.body.toString()) as { type: string }).type, "error");
  const openai = await send(simulator.url, "/v1/embeddings", { input: "x" });
  assert.equal(openai.status, 404);
  const body = JSON.parse(openai.body.toString()) as { error: { message: string } };
  assert.equal(body.error.message, "Invalid URL (POST /v1/embeddings)");
  const chatWithAnthropicHeader = await send(
    simulator.url,
    "/chat/completions",
    { model: "deepseek-chat" },
    {
      "anthropic-version": "2023-06-01",
    },
  );
  assert.equal(simulator.requests.at(-1)?.fixture, "deepseek/deepseek-text.json", "chat paths stay OpenAI");
  assert.equal(chatWithAnthropicHeader.status, 200);
  const wrongMethod = await send(simulator.url, "/chat/completions", undefined, {}, "GET");
  assert.equal(wrongMethod.status, 404);
});

test("the official Anthropic SDK streams the recorded text", async () => {
  const client = new Anthropic({
    baseURL: simulator.url,
    apiKey: "sk-ant-test",
    maxRetries: 0,
    logLevel: "off",
  });
  const stream = client.messages.stream({
    model: "claude-simulated",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
  });
  const message = await stream.finalMessage();
  const expected = fileLines("anthropic/anthropic-text.chunks.txt")
    .map((line) => JSON.parse(line) as { type: string; delta?: { type: string; text?: string } })
    .filter((event) => event.type === "content_block_delta" && event.delta?.type === "text_delta")
    .map((event) => event.delta?.text ?? "")
    .join("");
  const block = message.content[0];
  assert.equal(block?.type === "text" ? block.text : undefined, expected);
  const headers = simulator.requests.at(-1)?.headers;
  assert.match(String(headers?.["x-api-key"] ?? headers?.authorization), /sk-ant-test/);
});

test("the official OpenAI SDK reads the DeepSeek stream with its usage", async () => {
  const client = new OpenAI({ baseURL: simulator.url, apiKey: "sk-test", maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "deepseek-chat",
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  let text = "";
  let totalTokens: number | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    totalTokens = chunk.usage?.total_tokens ?? totalTokens;
  }
  const lines = fileLines("deepseek/deepseek-text.chunks.txt").map(
    (line) =>
      JSON.parse(line) as { choices: { delta: { content?: string } }[]; usage?: { total_tokens: number } },
  );
  assert.equal(text, lines.map((line) => line.choices[0]?.delta.content ?? "").join(""));
  assert.equal(totalTokens, lines.at(-1)?.usage?.total_tokens);
  assert.equal(simulator.requests.at(-1)?.path, "/chat/completions");
});
