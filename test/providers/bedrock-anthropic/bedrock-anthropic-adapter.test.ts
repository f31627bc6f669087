// Bedrock adapter: request mapping, a signed call to a fake Bedrock, eventstream → Anthropic SSE, errors in dialect.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request } from "undici";
import type { Credential } from "../../../src/credentials/credential.ts";
import { ProxyError } from "../../../src/errors/proxy-error.ts";
import type { Exchange } from "../../../src/pipeline/exchange.ts";
import { bedrockAnthropicAdapter } from "../../../src/providers/bedrock-anthropic/bedrock-anthropic-adapter.ts";
import { parseBedrockError } from "../../../src/providers/bedrock-anthropic/bedrock-anthropic-errors.ts";
import { bedrockAnthropicRequest } from "../../../src/providers/bedrock-anthropic/bedrock-anthropic-request.ts";
import { bedrockEventStreamToSse } from "../../../src/providers/bedrock-anthropic/bedrock-anthropic-stream.ts";
import type { ProviderRuntime } from "../../../src/routing/provider-runtime.ts";
import { fixtureLines } from "../../support/fixture-expectations.ts";
import { testExchange } from "../../support/test-exchange.ts";
import { chunkFrame, exceptionFrame, type FakeBedrock, startFakeBedrock } from "./fake-bedrock.ts";

const model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const credential: Credential = {
  kind: "aws",
  accessKeyId: "AKIDFAKEBEDROCK",
  secretAccessKey: "fake/bedrock+secret",
  region: "us-east-1",
  keyId: "aws-key",
};
const events = fixtureLines("anthropic/anthropic-text.chunks.txt");
let bedrock: FakeBedrock;

before(async () => {
  bedrock = await startFakeBedrock({
    region: "us-east-1",
    keys: { AKIDFAKEBEDROCK: { secretAccessKey: "fake/bedrock+secret" } },
    events,
    message: { id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "hi" }] },
  });
});
after(async () => {
  await bedrock.close();
});

function exchange(body: unknown, headers: Record<string, string> = {}): Exchange {
  return {
    ...testExchange({
      id: "x",
      path: "/bedrock/v1/messages",
      headers: { "content-type": "application/json", "x-api-key": "client-placeholder", ...headers },
      body: Buffer.from(JSON.stringify(body)),
      start: 0,
    }),
    route: {
      provider: { id: "bedrock", config: { baseUrl: bedrock.url } } as unknown as ProviderRuntime,
      upstreamPath: "/v1/messages",
      clientDialect: "anthropic",
    },
  };
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of body) text += Buffer.from(chunk).toString("utf8");
  return text;
}

function sseEvents(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const [eventLine = "", dataLine = ""] = block.split("\n");
      return { event: eventLine.slice("event: ".length), data: JSON.parse(dataLine.slice("data: ".length)) };
    });
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

test("the request: model and stream into the path, version and betas into the body", () => {
  const built = bedrockAnthropicRequest(
    "/v1/messages?beta=true",
    Buffer.from(JSON.stringify({ model, stream: true, max_tokens: 5, messages: [] })),
    { "anthropic-beta": "tools-2024, computer-use" },
  );
  assert.equal(built.path, "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream");
  assert.equal(built.stream, true);
  assert.deepEqual(JSON.parse(built.body.toString()), {
    max_tokens: 5,
    messages: [],
    anthropic_version: "bedrock-2023-05-31",
    anthropic_beta: ["tools-2024", "computer-use"],
  });
  assert.throws(
    () => bedrockAnthropicRequest("/v1/complete", Buffer.from("{}"), {}),
    /serves \/v1\/messages/,
  );
  assert.throws(() => bedrockAnthropicRequest("/v1/messages", Buffer.from("{}"), {}), /'model'/);
});

test("prepare() signs a request the fake Bedrock verifies; the client's key never leaves", async () => {
  const prepared = await bedrockAnthropicAdapter.prepare(
    exchange({ model, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    credential,
  );
  const response = await request(`${bedrock.url}${prepared.path}`, {
    method: "POST",
    headers: prepared.headers,
    body: prepared.body ?? null,
  });
  assert.equal(response.statusCode, 200, await response.body.text());
  const call = bedrock.calls.at(-1);
  assert.equal(call?.signatureProblem, undefined);
  assert.ok(!JSON.stringify(call?.headers).includes("client-placeholder"));
  await assert.rejects(
    Promise.resolve(bedrockAnthropicAdapter.prepare(exchange({ model, messages: [] }), undefined)),
    (error: unknown) => error instanceof ProxyError && error.code === "credential_missing",
  );
});

test("a streamed answer becomes the fixture's Anthropic SSE, whatever the chunking", async () => {
  const prepared = await bedrockAnthropicAdapter.prepare(
    exchange({ model, stream: true, max_tokens: 5, messages: [] }),
    credential,
  );
  const response = await request(`${bedrock.url}${prepared.path}`, {
    method: "POST",
    headers: prepared.headers,
    body: prepared.body ?? null,
  });
  const contentType = String(response.headers["content-type"]);
  const translation = bedrockAnthropicAdapter.translateResponse?.(contentType);
  assert.ok(translation !== undefined);
  assert.match(translation.contentType, /^text\/event-stream/);
  const whole = Buffer.from(await response.body.arrayBuffer());
  const text = await collect(translation.translate(pieces(whole, whole.length)));
  const parsed = sseEvents(text);
  assert.deepEqual(
    parsed.map((event) => event.data),
    events,
  );
  assert.ok(parsed.every((event) => event.event === event.data.type));
  assert.equal(await collect(translation.translate(pieces(whole, 1))), text, "one byte at a time");
  assert.equal(await collect(translation.translate(pieces(whole, 7))), text);
  assert.equal(bedrockAnthropicAdapter.translateResponse?.("application/json"), undefined);
});

test("an in-stream exception ends the stream with an Anthropic error event", async () => {
  const frames = Buffer.concat([
    chunkFrame(events[0]),
    chunkFrame(events[1]),
    exceptionFrame("throttlingException", "Too many tokens, please wait before trying again."),
  ]);
  const parsed = sseEvents(await collect(bedrockEventStreamToSse(pieces(frames, 5))));
  assert.equal(parsed.length, 3);
  assert.deepEqual(parsed[2], {
    event: "error",
    data: {
      type: "error",
      error: { type: "rate_limit_error", message: "Too many tokens, please wait before trying again." },
    },
  });
});

test("a corrupted or truncated stream is reported, not passed off as complete", async () => {
  const frame = Buffer.from(chunkFrame(events[0]));
  frame[frame.length - 6] = (frame[frame.length - 6] ?? 0) ^ 0xff;
  await assert.rejects(collect(bedrockEventStreamToSse(pieces(frame, 64))), (error: unknown) => {
    return (
      error instanceof ProxyError &&
      error.code === "upstream_stream_interrupted" &&
      /checksum/.test(error.message)
    );
  });
  const truncated = Buffer.from(chunkFrame(events[0])).subarray(0, 20);
  await assert.rejects(collect(bedrockEventStreamToSse(pieces(truncated, 64))), /ended inside a frame/);
});

test("Bedrock HTTP errors map to Anthropic kinds; credential problems become 401", () => {
  const cases: [string, number, number, string][] = [
    [
      "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
      400,
      400,
      "invalid_request_error",
    ],
    ["AccessDeniedException", 403, 403, "permission_error"],
    ["InvalidSignatureException", 403, 401, "authentication_error"],
    ["ExpiredTokenException", 403, 401, "authentication_error"],
    ["ResourceNotFoundException", 404, 404, "not_found_error"],
    ["ThrottlingException", 429, 429, "rate_limit_error"],
    ["ServiceUnavailableException", 503, 503, "overloaded_error"],
    ["ModelTimeoutException", 408, 408, "timeout_error"],
  ];
  for (const [name, status, renderedStatus, type] of cases) {
    const error = parseBedrockError(
      status,
      { "x-amzn-errortype": name },
      JSON.stringify({ message: `about ${name}` }),
    );
    const rendered = bedrockAnthropicAdapter.renderError(error);
    assert.equal(rendered.status, renderedStatus, name);
    assert.deepEqual(
      JSON.parse(rendered.body),
      { type: "error", error: { type, message: `about ${name}` } },
      name,
    );
  }
  assert.equal(bedrockAnthropicAdapter.renderUpstreamErrors, true);
});
