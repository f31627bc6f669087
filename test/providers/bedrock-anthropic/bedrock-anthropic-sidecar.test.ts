// End to end: the Anthropic SDK through a running sidecar to a fake Bedrock that checks SigV4 and answers eventstream.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { parseConfig } from "../../../src/config/load-config.ts";
import { type Sidecar, startSidecar } from "../../../src/sidecar.ts";
import { createLogger } from "../../../src/telemetry/logger.ts";
import { anthropicExpected, fixtureLines, fixturePath } from "../../support/fixture-expectations.ts";
import { type FakeBedrock, startFakeBedrock } from "./fake-bedrock.ts";

const clientKey = "client-placeholder-key";
const model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const keys = { AKIDSIDECARTEST: { secretAccessKey: "sidecar/secret+key", sessionToken: "session-abc" } };
const recorded = JSON.parse(await readFile(fixturePath("anthropic/anthropic-text.json"), "utf8"));
const textEvents = fixtureLines("anthropic/anthropic-text.chunks.txt");
const toolEvents = fixtureLines("anthropic/anthropic-json-tool.1.chunks.txt");
let bedrock: FakeBedrock;
let throttled: FakeBedrock;
let unavailable: FakeBedrock;
let sidecar: Sidecar;

before(async () => {
  bedrock = await startFakeBedrock({ region: "us-east-1", keys, events: textEvents, message: recorded });
  throttled = await startFakeBedrock({
    region: "us-east-1",
    keys,
    events: toolEvents,
    message: recorded,
    exception: {
      after: 3,
      name: "throttlingException",
      message: "Too many tokens, please wait before trying again.",
    },
  });
  unavailable = await startFakeBedrock({
    region: "us-east-1",
    keys,
    events: textEvents,
    message: recorded,
    exception: { after: 0, name: "serviceUnavailableException", message: "Bedrock is unavailable." },
  });
  const aws = (secret: string) => ({
    aws: {
      region: "us-east-1",
      accessKeyId: { env: "TEST_AWS_ACCESS_KEY_ID" },
      secretAccessKey: { env: secret },
      sessionToken: { env: "TEST_AWS_SESSION_TOKEN" },
    },
  });
  const config = parseConfig({
    listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
    providers: {
      bedrock: { protocol: "bedrock-anthropic", baseUrl: bedrock.url, credentials: [aws("TEST_AWS_SECRET")] },
      throttled: {
        protocol: "bedrock-anthropic",
        baseUrl: throttled.url,
        credentials: [aws("TEST_AWS_SECRET")],
      },
      unavailable: {
        protocol: "bedrock-anthropic",
        baseUrl: unavailable.url,
        credentials: [aws("TEST_AWS_SECRET")],
        resilience: { retry: { maxAttempts: 2, baseDelay: "10ms", maxDelay: "20ms" } },
      },
      wrongkey: {
        protocol: "bedrock-anthropic",
        baseUrl: bedrock.url,
        credentials: [aws("TEST_AWS_WRONG_SECRET")],
      },
    },
    models: [{ match: "anthropic.*", provider: "bedrock" }],
  });
  sidecar = await startSidecar(
    { config, file: "bedrock.yaml" },
    {
      warm: false,
      logger: createLogger({ level: "silent" }),
      env: {
        TEST_AWS_ACCESS_KEY_ID: "AKIDSIDECARTEST",
        TEST_AWS_SECRET: "sidecar/secret+key",
        TEST_AWS_WRONG_SECRET: "not-the-secret",
        TEST_AWS_SESSION_TOKEN: "session-abc",
      },
    },
  );
});

after(async () => {
  await sidecar?.stop(1000);
  await bedrock?.close();
  await throttled?.close();
  await unavailable?.close();
});

const client = (provider: string) =>
  new Anthropic({ baseURL: `${sidecar.proxyUrl}/${provider}`, apiKey: clientKey, maxRetries: 0 });

test("messages.create: a signed InvokeModel call, the JSON answer as is", async () => {
  const message = await client("bedrock").messages.create({
    model,
    max_tokens: 64,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.deepEqual(message.content, recorded.content);
  const call = bedrock.calls.at(-1);
  assert.equal(call?.signatureProblem, undefined);
  assert.equal(call?.url, `/model/${encodeURIComponent(model)}/invoke`);
  assert.equal(call?.body.anthropic_version, "bedrock-2023-05-31");
  assert.ok(!JSON.stringify(call?.headers).includes(clientKey));
});

test("a stream: eventstream frames from the fixture arrive as Anthropic SSE the SDK assembles", async () => {
  const expected = anthropicExpected(textEvents);
  const stream = client("bedrock").messages.stream({
    model,
    max_tokens: 64,
    messages: [{ role: "user", content: "Hi" }],
  });
  const message = await stream.finalMessage();
  assert.equal(
    message.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
    expected.text,
  );
  assert.equal(message.stop_reason, expected.finish);
  assert.equal(message.usage.output_tokens, expected.usage.output_tokens);
  const call = bedrock.calls.at(-1);
  assert.equal(call?.signatureProblem, undefined);
  assert.equal(call?.url, `/model/${encodeURIComponent(model)}/invoke-with-response-stream`);
});

test("an exception inside the stream reaches the SDK as an Anthropic rate_limit_error", async () => {
  const stream = client("throttled").messages.stream({
    model,
    max_tokens: 64,
    messages: [{ role: "user", content: "Use the tool" }],
  });
  await assert.rejects(stream.finalMessage(), (error: unknown) => {
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.match(error.message, /rate_limit_error|Too many tokens/);
    return true;
  });
});

test("a bad signature: the key is re-read once, not retried with the same key, and the SDK gets an AuthenticationError", async () => {
  const before = bedrock.calls.length;
  await assert.rejects(
    client("wrongkey").messages.create({ model, max_tokens: 8, messages: [{ role: "user", content: "x" }] }),
    (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
      assert.match(error.message, /signature we calculated does not match/);
      assert.doesNotMatch(error.message, /not-the-secret/);
      return true;
    },
  );
  assert.equal(bedrock.calls.length, before + 1);
  assert.equal(bedrock.calls.at(-1)?.signatureProblem, "signature mismatch");
});

test("an exception as the first stream event is retried like an HTTP 503, then reaches the SDK as overloaded_error", async () => {
  await assert.rejects(
    client("unavailable")
      .messages.stream({ model, max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .finalMessage(),
    (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, String(error));
      assert.match(error.message, /overloaded_error|Bedrock is unavailable/);
      return true;
    },
  );
  assert.equal(unavailable.calls.length, 2, "one retry with maxAttempts 2");
  assert.ok(
    unavailable.calls.every((call) => call.signatureProblem === undefined),
    "each attempt signed anew",
  );
});

test("the OpenAI SDK on the unified route is served by Claude on Bedrock, converted both ways", async () => {
  const openai = new OpenAI({ baseURL: `${sidecar.proxyUrl}/v1`, apiKey: clientKey, maxRetries: 0 });
  const completion = await openai.chat.completions.create({
    model,
    max_tokens: 64,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.equal(completion.choices[0]?.message.content, recorded.content[0].text);
  const stream = await openai.chat.completions.create({
    model,
    max_tokens: 64,
    stream: true,
    messages: [{ role: "user", content: "Hi" }],
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, anthropicExpected(textEvents).text);
  const call = bedrock.calls.at(-1);
  assert.equal(call?.signatureProblem, undefined);
  assert.equal(call?.url, `/model/${encodeURIComponent(model)}/invoke-with-response-stream`);
});
