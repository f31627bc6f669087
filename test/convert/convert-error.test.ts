// Upstream errors (status + body, and mid-stream error events) converted and raised by the other dialect's SDK.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { convertError } from "../../src/convert/convert-error.ts";
import { createStreamConverter } from "../../src/convert/create-stream-converter.ts";
import type { Dialect } from "../../src/providers/provider-adapter.ts";
import { readCassetteResponse, readFixture } from "../streaming/fixtures.ts";
import { type PlayedResponse, type PlayServer, playServer } from "./sdk-harness.ts";

let server: PlayServer;
let played: PlayedResponse = { status: 500, contentType: "application/json", chunks: [] };
let extraHeaders: Record<string, string> = {};

before(async () => {
  server = await playServer(() => played);
});

after(() => server.close());

function play(
  from: Dialect,
  to: Dialect,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const converted = convertError(from, to, { status, headers, body });
  extraHeaders = converted.headers;
  played = {
    status: converted.status,
    contentType: "application/json",
    chunks: [Buffer.from(converted.body)],
  };
}

async function anthropicError(): Promise<InstanceType<typeof Anthropic.APIError>> {
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
  try {
    await client.messages.create({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
  } catch (error) {
    assert.ok(error instanceof Anthropic.APIError);
    return error;
  }
  return assert.fail("the SDK did not raise");
}

async function openaiError(): Promise<InstanceType<typeof OpenAI.APIError>> {
  const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
  try {
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError);
    return error;
  }
  return assert.fail("the SDK did not raise");
}

const anthropicBody = (type: string, message: string): string =>
  JSON.stringify({ type: "error", error: { type, message }, request_id: "req_1" });

test("Anthropic 529 overloaded → OpenAI 503 server_error/overloaded, retry-after kept", async () => {
  play("anthropic", "openai", 529, anthropicBody("overloaded_error", "Overloaded"), { "retry-after": "7" });
  assert.equal(extraHeaders["retry-after"], "7");
  const error = await openaiError();
  assert.equal(error.status, 503);
  assert.equal(error.type, "server_error");
  assert.equal(error.code, "overloaded");
  assert.match(error.message, /Overloaded/);
});

test("OpenAI-dialect 503 → Anthropic 529 overloaded_error", async () => {
  const body = JSON.stringify({
    error: { message: "Server overloaded", type: "server_error", param: null, code: null },
  });
  play("openai", "anthropic", 503, body);
  const error = await anthropicError();
  assert.equal(error.status, 529);
  assert.equal(error.type, "overloaded_error");
  assert.match(error.message, /Server overloaded/);
});

test("the recorded OpenAI 404 model_not_found → Anthropic 404 not_found_error", async () => {
  const cassette = readCassetteResponse("openai/cassette-chat-unknown-model.yaml");
  play("openai", "anthropic", cassette.status, cassette.body);
  const error = await anthropicError();
  assert.ok(error instanceof Anthropic.NotFoundError);
  assert.equal(error.type, "not_found_error");
  assert.match(error.message, /gpt-4\.1-nano-wrong/);
});

test("the recorded OpenAI 400 unsupported_parameter → Anthropic 400 invalid_request_error", async () => {
  play("openai", "anthropic", 400, readFixture("openai/reasoning-model-legacy-parameter-error.json"));
  const error = await anthropicError();
  assert.ok(error instanceof Anthropic.BadRequestError);
  assert.equal(error.type, "invalid_request_error");
  assert.match(error.message, /max_completion_tokens/);
});

test("quota and balance failures become Anthropic 402 billing_error (never a retried 429)", async () => {
  const quota = {
    error: {
      message: "You exceeded your quota",
      type: "insufficient_quota",
      param: null,
      code: "insufficient_quota",
    },
  };
  play("openai", "anthropic", 429, JSON.stringify(quota));
  let error = await anthropicError();
  assert.equal(error.status, 402);
  assert.equal(error.type, "billing_error");
  const balance = {
    error: {
      message: "Insufficient Balance",
      type: "unknown_error",
      param: null,
      code: "invalid_request_error",
    },
  };
  play("openai", "anthropic", 402, JSON.stringify(balance));
  error = await anthropicError();
  assert.equal(error.status, 402);
  assert.equal(error.type, "billing_error");
});

test("Anthropic rate_limit_error 429 → OpenAI 429 rate_limit_exceeded; billing_error → insufficient_quota", async () => {
  play("anthropic", "openai", 429, anthropicBody("rate_limit_error", "Slow down"), {
    "retry-after-ms": "1500",
  });
  let error = await openaiError();
  assert.ok(error instanceof OpenAI.RateLimitError);
  assert.equal(error.code, "rate_limit_exceeded");
  assert.equal(extraHeaders["retry-after-ms"], "1500");
  play("anthropic", "openai", 400, anthropicBody("billing_error", "Credit balance too low"));
  error = await openaiError();
  assert.equal(error.code, "insufficient_quota");
});

test("a non-JSON upstream error still converts by status", async () => {
  play("openai", "anthropic", 502, "<html>bad gateway</html>");
  const error = await anthropicError();
  assert.equal(error.status, 502);
  assert.equal(error.type, "api_error");
  play("anthropic", "openai", 504, "<html>timeout</html>");
  const openai = await openaiError();
  assert.equal(openai.status, 504);
});

test("same dialect leaves status and body alone", () => {
  const body = anthropicBody("overloaded_error", "Overloaded");
  const converted = convertError("anthropic", "anthropic", { status: 529, body });
  assert.equal(converted.status, 529);
  assert.equal(converted.body, body);
});

function streamWith(from: Dialect, to: Dialect, upstream: string): void {
  const converter = createStreamConverter(from, to, { includeUsage: true });
  const chunks = [...converter.push(Buffer.from(upstream)), ...converter.end()];
  played = { status: 200, contentType: "text/event-stream", chunks };
}

test("an Anthropic mid-stream overloaded_error reaches the openai SDK as an APIError", async () => {
  const start = readFixture("anthropic/anthropic-text.chunks.txt").split("\n").slice(0, 4);
  const frames = start.map((line) => `event: ${JSON.parse(line).type}\ndata: ${line}\n\n`).join("");
  streamWith(
    "anthropic",
    "openai",
    `${frames}event: error\ndata: ${anthropicBody("overloaded_error", "Overloaded")}\n\n`,
  );
  const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
  const stream = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "x" }] });
  await assert.rejects(stream.finalChatCompletion(), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError);
    assert.match(error.message, /Overloaded/);
    return true;
  });
});

test("a DeepSeek stream cut before its end reaches the Anthropic SDK as an error, not a short message", async () => {
  const lines = readFixture("deepseek/deepseek-text.chunks.txt").split("\n").slice(0, 5);
  streamWith("openai", "anthropic", lines.map((line) => `data: ${line}\n\n`).join(""));
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
  const stream = client.messages.stream({
    model: "m",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  });
  await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError);
});

test("an OpenAI mid-stream error chunk reaches the Anthropic SDK with the mapped type", async () => {
  const first = readFixture("deepseek/deepseek-text.chunks.txt").split("\n")[0];
  const errorChunk = JSON.stringify({
    error: { message: "rate limited", type: "rate_limit_error", code: "rate_limit_exceeded" },
  });
  streamWith("openai", "anthropic", `data: ${first}\n\ndata: ${errorChunk}\n\n`);
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
  const stream = client.messages.stream({
    model: "m",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  });
  await assert.rejects(stream.finalMessage(), (error: unknown) => {
    assert.ok(error instanceof Anthropic.APIError);
    assert.equal(error.type, "rate_limit_error");
    assert.match(error.message, /rate limited/);
    return true;
  });
});
