// Validation of standard requests at the edge: well-formed ones pass unchanged, the first bad field is named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { parseStandardRequest, type StandardRequest } from "../../src/schema/standard-request.ts";

const full: StandardRequest = {
  model: "claude-sonnet-4-5",
  system: [{ type: "text", text: "Be brief." }],
  messages: [
    {
      role: "user",
      parts: [
        { type: "text", text: "Look" },
        { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" } },
        { type: "image", source: { kind: "url", url: "https://example.com/a.png" }, detail: "low" },
      ],
    },
    {
      role: "assistant",
      parts: [
        { type: "reasoning", text: "hm", signature: "sig" },
        { type: "tool-call", id: "t1", name: "f", arguments: "{}" },
      ],
    },
    {
      role: "user",
      parts: [
        { type: "tool-result", toolCallId: "t1", content: [{ type: "text", text: "ok" }], isError: true },
      ],
    },
  ],
  tools: [{ name: "f", description: "does f", parameters: { type: "object" }, strict: true }],
  toolChoice: { type: "tool", name: "f" },
  parallelToolCalls: false,
  maxTokens: 100,
  temperature: 0.5,
  topP: 0.9,
  topK: 40,
  stop: ["END"],
  stream: true,
  streamUsage: true,
  reasoning: { enabled: true, budgetTokens: 2048 },
  metadata: { user: "u" },
};

test("a complete standard request parses to itself", () => {
  assert.deepEqual(parseStandardRequest(structuredClone(full)), full);
});

test("the first bad field is named in a 400", () => {
  const cases: [unknown, string][] = [
    [{ ...full, model: "" }, "model"],
    [{ ...full, stream: "yes" }, "stream"],
    [{ ...full, maxTokens: -1 }, "maxTokens"],
    [{ ...full, messages: [{ role: "robot", parts: [] }] }, "messages.0.role"],
    [{ ...full, messages: [{ role: "user", parts: [{ type: "video" }] }] }, "messages.0.parts.0.type"],
    [{ ...full, toolChoice: { type: "tool" } }, "toolChoice.name"],
    [{ ...full, surprise: 1 }, "request"],
    ["not an object", "request"],
  ];
  for (const [value, field] of cases) {
    assert.throws(
      () => parseStandardRequest(value),
      (error: unknown) => {
        assert.ok(error instanceof ProxyError);
        assert.equal(error.status, 400);
        assert.equal(error.code, "bad_request");
        assert.ok(error.message.startsWith(`Invalid standard request: ${field}:`), error.message);
        return true;
      },
    );
  }
});
