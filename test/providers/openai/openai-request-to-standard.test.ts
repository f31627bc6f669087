// Chat Completions request bodies → standard requests, and the standard → Chat Completions writer's own rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyError } from "../../../src/errors/proxy-error.ts";
import { openaiRequestToStandard } from "../../../src/providers/openai/openai-request-to-standard.ts";
import { standardToOpenAIRequest } from "../../../src/providers/openai/standard-to-openai.ts";

test("a system message after the conversation started stays a system turn; defaults are accepted", () => {
  const standard = openaiRequestToStandard({
    model: "gpt-4.1",
    n: 1,
    logprobs: false,
    store: false,
    presence_penalty: 0,
    response_format: { type: "text" },
    max_tokens: 50,
    max_completion_tokens: 70,
    messages: [
      { role: "user", content: "a" },
      { role: "system", content: "b" },
    ],
  });
  assert.deepEqual(standard, {
    model: "gpt-4.1",
    messages: [
      { role: "user", parts: [{ type: "text", text: "a" }] },
      { role: "system", parts: [{ type: "text", text: "b" }] },
    ],
    maxTokens: 70,
    stream: false,
  });
});

test("a tool message with no preceding user turn opens one; text after tool results joins their turn", () => {
  const standard = openaiRequestToStandard({
    model: "m",
    messages: [
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: "r" },
      { role: "user", content: [{ type: "text", text: "next" }] },
      { role: "user", content: "separate" },
    ],
  });
  assert.deepEqual(
    standard.messages.map((message) => [message.role, message.parts.map((part) => part.type)]),
    [
      ["assistant", ["tool-call"]],
      ["user", ["tool-result", "text"]],
      ["user", ["text"]],
    ],
  );
});

test("standard → OpenAI: multi-part text stays parts, tool errors and images in tool results are refused", () => {
  const body = standardToOpenAIRequest({
    model: "gpt-4.1",
    stream: false,
    messages: [
      {
        role: "user",
        parts: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
    ],
    reasoning: { enabled: false },
  });
  assert.deepEqual(body.messages, [
    {
      role: "user",
      content: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ],
    },
  ]);
  assert.equal(body.reasoning_effort, "none");
  const refusal = (
    parts: Parameters<typeof standardToOpenAIRequest>[0]["messages"][number]["parts"],
  ): string =>
    assert.throws(
      () => standardToOpenAIRequest({ model: "m", stream: false, messages: [{ role: "user", parts }] }),
      (error: unknown) => error instanceof ProxyError && error.code === "conversion_unsupported",
    ) ?? "";
  refusal([{ type: "tool-result", toolCallId: "t", content: [{ type: "text", text: "x" }], isError: true }]);
  refusal([
    { type: "tool-result", toolCallId: "t", content: [{ type: "image", source: { kind: "url", url: "u" } }] },
  ]);
  refusal([{ type: "tool-call", id: "t", name: "f", arguments: "{}" }]);
});

test("unknown or non-default fields are refused by name", () => {
  const refused = (extra: Record<string, unknown>, field: string): void => {
    assert.throws(
      () => openaiRequestToStandard({ model: "m", messages: [], ...extra }),
      (error: unknown) =>
        error instanceof ProxyError &&
        error.code === "conversion_unsupported" &&
        error.message.includes(`\`${field}\``),
    );
  };
  refused({ audio: { voice: "x" } }, "audio");
  refused({ modalities: ["text", "audio"] }, "modalities");
  refused({ frequency_penalty: 0.5 }, "frequency_penalty");
  refused({ logit_bias: { 1: 2 } }, "logit_bias");
  refused({ prediction: { type: "content" } }, "prediction");
  refused({ web_search_options: {} }, "web_search_options");
  refused({ stream_options: { include_usage: true, other: 1 } }, "stream_options.other");
  refused({ tool_choice: { type: "allowed_tools" } }, "tool_choice");
  refused({ tools: [{ type: "custom", custom: { name: "x" } }] }, "tools[0].type");
  refused({ messages: [{ role: "user", name: "bob", content: "x" }] }, "messages[0].name");
  refused({ messages: [{ role: "function", content: "x" }] }, "messages[0].role");
  refused({ reasoning_effort: "extreme" }, "reasoning_effort");
});
