// A miniature sidecar on real sockets: an official SDK → createConversion → a recorded upstream of the other dialect.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createConversion } from "../../src/convert/create-conversion.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { standardToAnthropicError } from "../../src/providers/anthropic/standard-to-anthropic-error.ts";
import { standardToOpenAIError } from "../../src/providers/openai/standard-to-openai-error.ts";
import type { Dialect } from "../../src/providers/provider-adapter.ts";
import { anthropicChunksToSse, openaiChunksToSse, readFixture } from "../streaming/fixtures.ts";
import { type PlayedResponse, playServer } from "./sdk-harness.ts";

const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push({
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The sidecar: converts the request, calls the upstream, converts whatever comes back, streaming or not. */
async function sidecar(
  client: Dialect,
  upstream: Dialect,
  upstreamUrl: string,
  model: string,
): Promise<string> {
  const server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const conversion = createConversion({ client, upstream, model, provider: "test-upstream" });
    let body: Buffer;
    try {
      body = conversion.request(Buffer.concat(parts));
    } catch (error) {
      // Proxy-made errors are rendered in the client's dialect (the pipeline's rescue does this with the adapter).
      assert.ok(error instanceof ProxyError);
      const description = {
        errorType: "invalid_request_error",
        message: error.message,
        status: error.status,
      };
      const rendered =
        client === "openai" ? standardToOpenAIError(description) : standardToAnthropicError(description);
      response.writeHead(rendered.status, rendered.headers).end(rendered.body);
      return;
    }
    const path = upstream === "anthropic" ? "/v1/messages" : "/chat/completions";
    const answer = await fetch(`${upstreamUrl}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    const contentType = answer.headers.get("content-type") ?? "";
    if (answer.status >= 400) {
      const rendered = conversion.error(
        answer.status,
        Object.fromEntries(answer.headers),
        await answer.text(),
      );
      response.writeHead(rendered.status, rendered.headers).end(rendered.body);
    } else if (contentType.startsWith("text/event-stream")) {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const converter = conversion.stream({ contentType });
      for await (const chunk of answer.body as AsyncIterable<Uint8Array>) {
        for (const out of converter.push(chunk)) response.write(out);
      }
      for (const out of converter.end()) response.write(out);
      response.end();
    } else {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(conversion.response(Buffer.from(await answer.arrayBuffer())));
    }
  });
  return listen(server);
}

async function upstreamPlaying(respond: () => PlayedResponse) {
  const upstream = await playServer(respond);
  servers.push(upstream);
  return upstream;
}

test("openai SDK streaming with include_usage, answered by a recorded Anthropic tool-use stream", async () => {
  const upstream = await upstreamPlaying(() => ({
    status: 200,
    contentType: "text/event-stream",
    chunks: [anthropicChunksToSse("anthropic/anthropic-json-tool.1.chunks.txt")],
  }));
  const client = new OpenAI({
    apiKey: "x",
    baseURL: `${await sidecar("openai", "anthropic", upstream.url, "claude-haiku-4-5")}/v1`,
    maxRetries: 0,
  });
  const stream = client.chat.completions.stream({
    model: "gpt-4.1",
    messages: [{ role: "user", content: "weather?" }],
    tools: [{ type: "function", function: { name: "json", parameters: { type: "object" } } }],
    stream_options: { include_usage: true },
  });
  const completion = await stream.finalChatCompletion();
  const sent = upstream.requests[0] as Record<string, unknown>;
  assert.equal(sent.model, "claude-haiku-4-5");
  assert.equal(sent.max_tokens, 4096);
  assert.equal(sent.stream, true);
  assert.deepEqual(sent.tools, [{ name: "json", input_schema: { type: "object" } }]);
  const call = completion.choices[0]!.message.tool_calls![0]!;
  assert.equal(call.type === "function" && call.function.name, "json");
  assert.equal(completion.model, "claude-haiku-4-5-20251001", "the model that really answered");
  assert.deepEqual(completion.usage, {
    prompt_tokens: 849,
    completion_tokens: 47,
    total_tokens: 896,
    prompt_tokens_details: { cached_tokens: 0 },
  });
});

test("Anthropic SDK, streaming and not, answered by recorded DeepSeek reasoning + tool calls", async () => {
  const upstream = await upstreamPlaying(() =>
    upstreamRequestIsStream()
      ? {
          status: 200,
          contentType: "text/event-stream",
          chunks: [openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt")],
        }
      : {
          status: 200,
          contentType: "application/json",
          chunks: [Buffer.from(readFixture("deepseek/deepseek-tool-call.json"))],
        },
  );
  const upstreamRequestIsStream = (): boolean =>
    (upstream.requests.at(-1) as { stream?: boolean }).stream === true;
  const client = new Anthropic({
    apiKey: "x",
    baseURL: await sidecar("anthropic", "openai", upstream.url, "deepseek-reasoner"),
    maxRetries: 0,
  });
  const params = {
    model: "claude-haiku-4-5",
    max_tokens: 512,
    system: "Use tools.",
    messages: [{ role: "user" as const, content: "Weather in San Francisco?" }],
    tools: [
      {
        name: "weather",
        input_schema: { type: "object" as const, properties: { location: { type: "string" } } },
      },
    ],
  };
  const streamed = await client.messages.stream(params).finalMessage();
  const sent = upstream.requests[0] as Record<string, unknown>;
  assert.deepEqual(sent.messages, [
    { role: "system", content: "Use tools." },
    { role: "user", content: "Weather in San Francisco?" },
  ]);
  assert.equal(sent.max_tokens, 512);
  assert.deepEqual(sent.stream_options, { include_usage: true });
  assert.deepEqual(
    streamed.content.map((block) => block.type),
    ["thinking", "tool_use"],
  );
  const tool = streamed.content[1];
  assert.ok(tool?.type === "tool_use");
  assert.equal(tool.name, "weather");
  assert.deepEqual(tool.input, { location: "San Francisco" });
  assert.equal(streamed.stop_reason, "tool_use");
  assert.deepEqual(streamed.usage.cache_read_input_tokens, 320);

  const whole = await client.messages.create(params);
  assert.equal((upstream.requests[1] as { stream?: boolean }).stream, undefined);
  assert.deepEqual(
    whole.content.map((block) => block.type),
    ["thinking", "tool_use"],
  );
  assert.equal(whole.stop_reason, "tool_use");
});

test("a request the upstream dialect cannot express is refused in the client's dialect before any upstream call", async () => {
  const upstream = await upstreamPlaying(() => ({ status: 500, contentType: "text/plain", chunks: [] }));
  const client = new OpenAI({
    apiKey: "x",
    baseURL: `${await sidecar("openai", "anthropic", upstream.url, "claude-x")}/v1`,
    maxRetries: 0,
  });
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-4.1", n: 2, messages: [{ role: "user", content: "x" }] }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && /`n`/.test(error.message),
  );
  assert.equal(upstream.requests.length, 0);
});

test("an Anthropic 529 reaches the openai SDK as a 503 it understands", async () => {
  const body = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  const upstream = await upstreamPlaying(() => ({
    status: 529,
    contentType: "application/json",
    chunks: [Buffer.from(body)],
  }));
  const client = new OpenAI({
    apiKey: "x",
    baseURL: `${await sidecar("openai", "anthropic", upstream.url, "claude-x")}/v1`,
    maxRetries: 0,
  });
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "x" }] }),
    (error: unknown) =>
      error instanceof OpenAI.InternalServerError && error.status === 503 && error.code === "overloaded",
  );
});
