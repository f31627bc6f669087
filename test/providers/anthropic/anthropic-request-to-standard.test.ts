// Anthropic Messages request bodies → standard requests, and the standard → Anthropic writer's own rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyError } from "../../../src/errors/proxy-error.ts";
import { anthropicRequestToStandard } from "../../../src/providers/anthropic/anthropic-request-to-standard.ts";
import {
  anthropicDefaultMaxTokens,
  standardToAnthropicRequest,
} from "../../../src/providers/anthropic/standard-to-anthropic.ts";

test("string content, thinking blocks, redacted thinking, tool errors and thinking options are read", () => {
  const standard = anthropicRequestToStandard({
    model: "claude-opus-4-1",
    max_tokens: 64,
    thinking: { type: "enabled", budget_tokens: 2048 },
    tool_choice: { type: "none" },
    messages: [
      { role: "user", content: "hello" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hm", signature: "sig" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "tool_use", id: "toolu_1", name: "f", input: {} },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", is_error: true, content: "failed" }],
      },
    ],
  });
  assert.deepEqual(standard, {
    model: "claude-opus-4-1",
    messages: [
      { role: "user", parts: [{ type: "text", text: "hello" }] },
      {
        role: "assistant",
        parts: [
          { type: "reasoning", text: "hm", signature: "sig" },
          { type: "reasoning", text: "", redacted: "opaque" },
          { type: "tool-call", id: "toolu_1", name: "f", arguments: "{}" },
        ],
      },
      {
        role: "user",
        parts: [
          {
            type: "tool-result",
            toolCallId: "toolu_1",
            content: [{ type: "text", text: "failed" }],
            isError: true,
          },
        ],
      },
    ],
    toolChoice: { type: "none" },
    maxTokens: 64,
    stream: false,
    reasoning: { enabled: true, budgetTokens: 2048 },
  });
});

test("signed thinking and redacted thinking are written back for Anthropic; unsigned reasoning cannot be", () => {
  const body = standardToAnthropicRequest({
    model: "claude-sonnet-4-5",
    stream: false,
    messages: [
      {
        role: "assistant",
        parts: [
          { type: "reasoning", text: "from DeepSeek" },
          { type: "reasoning", text: "signed", signature: "sig" },
          { type: "reasoning", text: "", redacted: "opaque" },
          { type: "text", text: "answer" },
        ],
      },
    ],
  });
  assert.deepEqual(body.messages, [
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "signed", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "answer" },
      ],
    },
  ]);
  assert.equal(body.max_tokens, anthropicDefaultMaxTokens);
});

test("a system turn after the conversation started stays in place as a system message", () => {
  const body = standardToAnthropicRequest({
    model: "claude-sonnet-4-5",
    stream: false,
    messages: [
      { role: "user", parts: [{ type: "text", text: "a" }] },
      { role: "system", parts: [{ type: "text", text: "Now answer in French." }] },
    ],
  });
  assert.deepEqual((body.messages as unknown[])[1], {
    role: "system",
    content: [{ type: "text", text: "Now answer in French." }],
  });
});

test("parallel tool calls forbidden without a tool_choice become auto with disable_parallel_tool_use", () => {
  const body = standardToAnthropicRequest({
    model: "m",
    stream: true,
    messages: [],
    parallelToolCalls: false,
  });
  assert.deepEqual(body.tool_choice, { type: "auto", disable_parallel_tool_use: true });
  assert.equal(body.stream, true);
});

test("the default max_tokens is configurable and thinking budgets never exceed it", () => {
  const base = { model: "m", stream: false, messages: [] };
  assert.equal(standardToAnthropicRequest(base, { defaultMaxTokens: 1000 }).max_tokens, 1000);
  const thinking = standardToAnthropicRequest({ ...base, reasoning: { enabled: true, budgetTokens: 8000 } });
  assert.equal(thinking.max_tokens, 9024);
  assert.deepEqual(standardToAnthropicRequest({ ...base, reasoning: { enabled: false } }).thinking, {
    type: "disabled",
  });
});

test("malformed bodies are 400 bad_request, unsupported ones conversion_unsupported", () => {
  const code = (body: unknown): string => {
    try {
      anthropicRequestToStandard(body);
    } catch (error) {
      assert.ok(error instanceof ProxyError);
      assert.equal(error.status, 400);
      return error.code;
    }
    return "accepted";
  };
  assert.equal(code([]), "bad_request");
  assert.equal(code({ model: 1, messages: [] }), "bad_request");
  assert.equal(code({ model: "m", messages: "hi" }), "bad_request");
  assert.equal(code({ model: "m", messages: [{ role: "user", content: 5 }] }), "bad_request");
  assert.equal(
    code({ model: "m", messages: [], metadata: { user_id: "u", tenant: "t" } }),
    "conversion_unsupported",
  );
  assert.equal(code({ model: "m", messages: [], service_tier: "priority" }), "conversion_unsupported");
  assert.equal(code({ model: "m", messages: [], system: [{ type: "image" }] }), "conversion_unsupported");
  assert.equal(
    code({
      model: "m",
      messages: [{ role: "user", content: [{ type: "text", text: "x", citations: [{}] }] }],
    }),
    "conversion_unsupported",
  );
  assert.equal(
    code({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }],
    }),
    "conversion_unsupported",
  );
  assert.equal(code({ model: "m", messages: [], tool_choice: { type: "auto" } }), "accepted");
  const tool = { name: "f", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } };
  assert.equal(code({ model: "m", messages: [], tools: [tool] }), "accepted");
  assert.equal(
    code({ model: "m", messages: [], tools: [{ ...tool, defer_loading: true }] }),
    "conversion_unsupported",
  );
});
