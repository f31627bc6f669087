// Request conversion tables both ways (Anthropic ⇄ OpenAI through the standard schema), refusals included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { convertRequest, convertRequestDetailed } from "../../src/convert/convert-request.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import type { Dialect } from "../../src/providers/provider-adapter.ts";

function convert(from: Dialect, to: Dialect, body: unknown, options = {}): Record<string, unknown> {
  return JSON.parse(convertRequest(from, to, Buffer.from(JSON.stringify(body)), options).toString("utf8"));
}

function refused(from: Dialect, to: Dialect, body: unknown, field: string): void {
  assert.throws(
    () => convertRequest(from, to, Buffer.from(JSON.stringify(body))),
    (error: unknown) => {
      assert.ok(error instanceof ProxyError);
      assert.equal(error.code, "conversion_unsupported");
      assert.equal(error.status, 400);
      assert.ok(error.message.includes(`\`${field}\``), `message names ${field}: ${error.message}`);
      return true;
    },
  );
}

const weatherSchema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

test("Anthropic → OpenAI: system, text, images, tools, tool calls and results in order, sampling", () => {
  const body = {
    model: "claude-sonnet-4-5",
    max_tokens: 1000,
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    temperature: 0.2,
    top_p: 0.9,
    stop_sequences: ["END"],
    metadata: { user_id: "user-7" },
    stream: true,
    tools: [{ name: "weather", description: "Weather by city", input_schema: weatherSchema }],
    tool_choice: { type: "any", disable_parallel_tool_use: true },
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Weather in Paris and Rome?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0K" } },
          { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Two cities.", signature: "sig" },
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "24C" }] },
          { type: "text", text: "Thanks" },
        ],
      },
    ],
  };
  assert.deepEqual(convert("anthropic", "openai", body), {
    model: "claude-sonnet-4-5",
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather in Paris and Rome?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0K" } },
          { type: "image_url", image_url: { url: "https://example.com/a.jpg" } },
        ],
      },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
          { id: "toolu_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18C" },
      { role: "tool", tool_call_id: "toolu_2", content: "24C" },
      { role: "user", content: "Thanks" },
    ],
    max_completion_tokens: 1000,
    temperature: 0.2,
    top_p: 0.9,
    stop: ["END"],
    tools: [
      {
        type: "function",
        function: { name: "weather", description: "Weather by city", parameters: weatherSchema },
      },
    ],
    tool_choice: "required",
    parallel_tool_calls: false,
    user: "user-7",
    stream: true,
    stream_options: { include_usage: true },
  });
});

test("Anthropic → DeepSeek uses max_tokens and DeepSeek's thinking switch; the model can be replaced", () => {
  const body = {
    model: "claude-sonnet-4-5",
    max_tokens: 2000,
    thinking: { type: "enabled", budget_tokens: 1024 },
    messages: [{ role: "user", content: "hi" }],
  };
  const converted = convert("anthropic", "openai", body, { model: "deepseek-reasoner" });
  assert.equal(converted.model, "deepseek-reasoner");
  assert.equal(converted.max_tokens, 2000);
  assert.deepEqual(converted.thinking, { type: "enabled" });
  assert.equal(converted.max_completion_tokens, undefined);
  const withThinking = {
    ...body,
    messages: [
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Hm.", signature: "sig" },
          { type: "text", text: "Yes" },
        ],
      },
      { role: "user", content: "more" },
    ],
  };
  const deepseek = convert("anthropic", "openai", withThinking, { model: "deepseek-reasoner" });
  assert.deepEqual((deepseek.messages as unknown[])[1], {
    role: "assistant",
    content: "Yes",
    reasoning_content: "Hm.",
  });
  // OpenAI's Chat Completions takes no earlier reasoning back.
  const openai = convert("anthropic", "openai", { ...withThinking, model: "gpt-5" });
  assert.deepEqual((openai.messages as unknown[])[1], { role: "assistant", content: "Yes" });
  const toOpenAI = convert("anthropic", "openai", { ...body, model: "gpt-5" });
  assert.equal(toOpenAI.reasoning_effort, "low");
});

test("tool_choice maps auto/any/tool/none ⇄ auto/required/function/none", () => {
  const pairs: [unknown, unknown][] = [
    [{ type: "auto" }, "auto"],
    [{ type: "any" }, "required"],
    [{ type: "none" }, "none"],
    [
      { type: "tool", name: "weather" },
      { type: "function", function: { name: "weather" } },
    ],
  ];
  const tools = [{ name: "weather", input_schema: weatherSchema }];
  const openaiTools = [{ type: "function", function: { name: "weather", parameters: weatherSchema } }];
  for (const [anthropic, openai] of pairs) {
    const messages = [{ role: "user", content: "x" }];
    const toOpenAI = convert("anthropic", "openai", {
      model: "m",
      max_tokens: 5,
      messages,
      tools,
      tool_choice: anthropic,
    });
    assert.deepEqual(toOpenAI.tool_choice, openai);
    const toAnthropic = convert("openai", "anthropic", {
      model: "m",
      messages,
      tools: openaiTools,
      tool_choice: openai,
    });
    assert.deepEqual(toAnthropic.tool_choice, anthropic);
  }
});

test("OpenAI → Anthropic: system/developer, tool messages grouped into one user turn, data URLs, defaults", () => {
  const body = {
    model: "gpt-4.1",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: [{ type: "text", text: "Use tools." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ", detail: "high" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        reasoning_content: "unsigned",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_2", type: "function", function: { name: "weather", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "-3C" },
      { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "?" }] },
      { role: "user", content: "And now?" },
    ],
    stop: "STOP",
    user: "u1",
    stream: true,
    stream_options: { include_usage: true },
    n: 1,
  };
  assert.deepEqual(convert("openai", "anthropic", body), {
    model: "gpt-4.1",
    system: [
      { type: "text", text: "Be brief." },
      { type: "text", text: "Use tools." },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "weather", input: { city: "Oslo" } },
          { type: "tool_use", id: "call_2", name: "weather", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: [{ type: "text", text: "-3C" }] },
          { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "?" }] },
          { type: "text", text: "And now?" },
        ],
      },
    ],
    max_tokens: 4096,
    stop_sequences: ["STOP"],
    metadata: { user_id: "u1" },
    stream: true,
  });
});

test("reasoning_effort becomes a thinking budget and max_tokens is raised above it", () => {
  const converted = convert("openai", "anthropic", {
    model: "o3",
    reasoning_effort: "high",
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(converted.thinking, { type: "enabled", budget_tokens: 24576 });
  assert.equal(converted.max_tokens, 24576 + 1024);
});

test("a conversation round-trips Anthropic → OpenAI → Anthropic", () => {
  const body = {
    model: "claude-haiku-4-5",
    max_tokens: 300,
    system: "You are terse.",
    messages: [
      { role: "user", content: [{ type: "text", text: "2+2?" }] },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_9", name: "calc", input: { expr: "2+2" } }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_9", content: [{ type: "text", text: "4" }] }],
      },
    ],
    tools: [{ name: "calc", input_schema: { type: "object", properties: { expr: { type: "string" } } } }],
  };
  const openai = convertRequest("anthropic", "openai", Buffer.from(JSON.stringify(body)));
  assert.deepEqual(JSON.parse(convertRequest("openai", "anthropic", openai).toString()), body);
});

test("same dialect passes the body through untouched, model replaced only when asked", () => {
  const raw = Buffer.from('{"model":"claude-x","max_tokens":5,"messages":[],"container":"c1"}');
  assert.equal(convertRequest("anthropic", "anthropic", raw).toString(), raw.toString());
  const replaced = convertRequestDetailed("anthropic", "anthropic", raw, { model: "claude-y" });
  assert.equal(JSON.parse(replaced.body.toString()).model, "claude-y");
  assert.equal(replaced.standard, undefined);
});

test("the standard request comes back for the stream converter's options", () => {
  const body = { model: "gpt-4.1", stream: true, stream_options: { include_usage: true }, messages: [] };
  const { standard } = convertRequestDetailed("openai", "anthropic", Buffer.from(JSON.stringify(body)));
  assert.equal(standard?.stream, true);
  assert.equal(standard?.streamUsage, true);
});

test("what the target cannot express is refused naming the field", () => {
  const user = [{ role: "user", content: "x" }];
  refused("openai", "anthropic", { model: "m", messages: user, n: 2 }, "n");
  refused("openai", "anthropic", { model: "m", messages: user, logprobs: true }, "logprobs");
  refused("openai", "anthropic", { model: "m", messages: user, top_logprobs: 2 }, "top_logprobs");
  refused("openai", "anthropic", { model: "m", messages: user, seed: 1 }, "seed");
  refused(
    "openai",
    "anthropic",
    { model: "m", messages: user, response_format: { type: "json_object" } },
    "response_format",
  );
  refused("openai", "anthropic", { model: "m", messages: user, temperature: 1.5 }, "temperature");
  refused(
    "openai",
    "anthropic",
    { model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
    "messages[0].content[0].type",
  );
  refused(
    "openai",
    "anthropic",
    {
      model: "m",
      messages: [
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }],
        },
      ],
    },
    "messages[0].parts[0].arguments",
  );
  refused(
    "anthropic",
    "openai",
    { model: "m", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: {} }] }] },
    "messages[0].content[0].type",
  );
  refused("anthropic", "openai", { model: "m", max_tokens: 5, messages: user, top_k: 5 }, "top_k");
  refused(
    "anthropic",
    "openai",
    { model: "m", max_tokens: 5, messages: user, mcp_servers: [] },
    "mcp_servers",
  );
  refused(
    "anthropic",
    "openai",
    {
      model: "m",
      max_tokens: 5,
      messages: user,
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    },
    "tools[0].type",
  );
  refused(
    "anthropic",
    "openai",
    {
      model: "m",
      max_tokens: 5,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t",
              content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "x" } }],
            },
          ],
        },
      ],
    },
    "messages[0].parts[0].content[0]",
  );
});

test("a body that is not JSON is a 400 bad_request", () => {
  assert.throws(
    () => convertRequest("openai", "anthropic", Buffer.from("{nope")),
    (error: unknown) => error instanceof ProxyError && error.code === "bad_request" && error.status === 400,
  );
});
