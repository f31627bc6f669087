// The official SDKs through the base-URL door, against the simulator: answers, injected keys, exact bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import {
  anthropicExpected,
  anthropicMessageExpected,
  cassetteResponseBody,
  type Expected,
  fixtureLines,
  fixturePath,
  openaiCompletionExpected,
  openaiExpected,
  rawSsePayloads,
} from "../support/fixture-expectations.ts";
import { type Harness, startHarness, upstreamKeys } from "../support/sidecar-harness.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
let harness: Harness;

before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

function lastUpstreamRequest() {
  const requests = harness.simulator.requests.filter((request) => request.method === "POST");
  const last = requests.at(-1);
  assert.ok(last, "the simulator saw a request");
  return last;
}

function assertKeyInjected(header: "x-api-key" | "authorization", key: string): void {
  const seen = lastUpstreamRequest().headers;
  const expected = header === "authorization" ? `Bearer ${key}` : key;
  assert.equal(seen[header], expected);
  assert.ok(!JSON.stringify(seen).includes(clientKey), "the client's key never reaches the upstream");
}

describe("Anthropic SDK via ANTHROPIC_BASE_URL", () => {
  const anthropic = () =>
    new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });

  test("messages.create returns the recorded message", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("anthropic/anthropic-text.json"), "utf8"));
    const message = await anthropic().messages.create(
      { model: "claude-sonnet-4-5", max_tokens: 128, messages: [{ role: "user", content: "Hello" }] },
      { headers: { "anthropic-beta": "test-beta-2025" } },
    );
    assert.deepEqual(message.content, recorded.content);
    assert.equal(message.usage.output_tokens, recorded.usage.output_tokens);
    assertKeyInjected("x-api-key", upstreamKeys.anthropic);
    assert.ok(lastUpstreamRequest().headers["anthropic-version"], "anthropic-version kept");
    assert.equal(lastUpstreamRequest().headers["anthropic-beta"], "test-beta-2025", "anthropic-beta kept");
  });

  test("messages.stream().finalMessage() assembles the recorded stream", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-text.chunks.txt"));
    const message = await anthropic()
      .messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 128,
        messages: [{ role: "user", content: "Hi" }],
      })
      .finalMessage();
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    assert.equal(text, expected.text);
    assert.equal(message.stop_reason, expected.finish);
    assert.equal(message.usage.output_tokens, expected.usage.output_tokens);
    assertKeyInjected("x-api-key", upstreamKeys.anthropic);
  });

  test("a streamed tool call arrives with its parsed input", async () => {
    const expected = anthropicExpected(fixtureLines("anthropic/anthropic-json-tool.1.chunks.txt"));
    const message = await anthropic()
      .messages.stream(
        {
          model: "claude-haiku-4-5",
          max_tokens: 256,
          messages: [{ role: "user", content: "Use the tool" }],
          tools: [{ name: "json", input_schema: { type: "object" } }],
        },
        { headers: { "x-simulator-fixture": "anthropic/anthropic-json-tool.1" } },
      )
      .finalMessage();
    const toolUses = message.content.filter((block) => block.type === "tool_use");
    assert.equal(toolUses.length, expected.toolCalls.length);
    assert.equal(toolUses[0]?.name, expected.toolCalls[0]?.name);
    assert.deepEqual(toolUses[0]?.input, JSON.parse(expected.toolCalls[0]?.arguments ?? ""));
  });
});

describe("OpenAI SDK via OPENAI_BASE_URL", () => {
  const openai = () => new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/openai/v1`, apiKey: clientKey });

  test("chat.completions.create (non-streaming) returns the recorded completion", async () => {
    const recorded = JSON.parse(readFileSync(fixturePath("openai/openai-text.json"), "utf8"));
    const completion = await openai().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
    });
    assert.equal(completion.choices[0]?.message.content, recorded.choices[0].message.content);
    assert.equal(completion.usage?.total_tokens, recorded.usage.total_tokens);
    assertKeyInjected("authorization", upstreamKeys.openai);
    assert.equal(lastUpstreamRequest().path, "/v1/chat/completions");
  });

  test("chat.completions.create (streaming) yields the recorded text and usage trailer", async () => {
    const expected = openaiExpected(fixtureLines("openai/openai-text.chunks.txt"));
    const stream = await openai().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let totalTokens: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) totalTokens = chunk.usage.total_tokens;
    }
    assert.equal(text, expected.text);
    assert.equal(totalTokens, expected.usage.total_tokens);
    assertKeyInjected("authorization", upstreamKeys.openai);
  });
});

describe("OpenAI SDK pointed at /deepseek", () => {
  const deepseek = () => new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/deepseek`, apiKey: clientKey });

  test("streamed reasoning and text match the recording", async () => {
    const expected = openaiExpected(fixtureLines("deepseek/deepseek-reasoning.chunks.txt"));
    const stream = await deepseek().chat.completions.create({
      model: "deepseek-reasoner",
      messages: [{ role: "user", content: "Think" }],
      stream: true,
    });
    let text = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | { content?: string | null; reasoning_content?: string }
        | undefined;
      text += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    assert.equal(text, expected.text);
    assert.equal(reasoning, expected.reasoning);
    assert.ok(reasoning.length > 0);
    assertKeyInjected("authorization", upstreamKeys.deepseek);
    assert.equal(lastUpstreamRequest().path, "/chat/completions");
  });
});

/** A tool call as the fixture or an SDK has it, arguments parsed: key order and spacing do not count. */
interface ToolCall {
  readonly id: string | undefined;
  readonly name: string;
  readonly input: unknown;
}

/** The fixture's tool calls; an empty argument string is `{}` (Anthropic streams a no-argument call so). */
function expectedCalls(expected: Expected): ToolCall[] {
  return expected.toolCalls.map((call) => ({
    id: call.id,
    name: call.name,
    input: JSON.parse(call.arguments === "" ? "{}" : call.arguments),
  }));
}

/** What a fixture file says, read with the oracle for its kind of file. */
function fixtureExpected(file: string): Expected {
  if (file.endsWith(".yaml")) return openaiCompletionExpected(JSON.parse(cassetteResponseBody(file)));
  if (file.endsWith(".json")) {
    const body = JSON.parse(readFileSync(fixturePath(file), "utf8"));
    return file.startsWith("anthropic/") ? anthropicMessageExpected(body) : openaiCompletionExpected(body);
  }
  const payloads = file.endsWith(".chunks.txt") ? fixtureLines(file) : rawSsePayloads(file);
  return file.startsWith("anthropic/") ? anthropicExpected(payloads) : openaiExpected(payloads);
}

describe("the text and tool calls each SDK assembles equal the fixture's", () => {
  const fixtureName = (file: string): string => file.replace(/\.(chunks\.txt|json|txt|sse|yaml)$/, "");

  for (const [file, streaming] of [
    ["anthropic/anthropic-json-tool.1.chunks.txt", true],
    ["anthropic/anthropic-json-tool.2.chunks.txt", true],
    ["anthropic/anthropic-tool-no-args.chunks.txt", true],
    ["anthropic/sdk-tool_use_response.txt", true],
    ["anthropic/anthropic-json-tool.1.json", false],
    ["anthropic/anthropic-tool-no-args.json", false],
  ] as const) {
    test(`Anthropic SDK, ${streaming ? "messages.stream().finalMessage()" : "messages.create"}: ${file}`, async () => {
      const expected = fixtureExpected(file);
      assert.ok(expected.toolCalls.length > 0, "the fixture holds a tool call");
      assert.ok(
        expected.toolCalls.every((call) => call.id),
        "each recorded call has an id to compare",
      );
      const client = new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: clientKey });
      const request = {
        model: "claude-haiku-4-5",
        max_tokens: 256,
        messages: [{ role: "user" as const, content: "Use the tool" }],
        tools: [{ name: "json", input_schema: { type: "object" as const } }],
      };
      const options = { headers: { "x-simulator-fixture": fixtureName(file) } };
      const message = streaming
        ? await client.messages.stream(request, options).finalMessage()
        : await client.messages.create(request, options);
      const calls: ToolCall[] = [];
      let text = "";
      for (const block of message.content) {
        if (block.type === "text") text += block.text;
        if (block.type === "tool_use") calls.push({ id: block.id, name: block.name, input: block.input });
      }
      assert.deepEqual(calls, expectedCalls(expected));
      assert.equal(text, expected.text);
      assert.equal(message.stop_reason, expected.finish);
      assert.equal(lastUpstreamRequest().path, "/v1/messages");
    });
  }

  /** One choice as the OpenAI SDK hands it back: its text, tool calls and finish reason. */
  interface Assembled {
    text: string;
    calls: ToolCall[];
    finish: string | null | undefined;
  }

  /**
   * The SDK's own assembler (`stream().finalChatCompletion()`), or for `chunks` the SDK's parsed chunks put
   * together by index here: the SDK's assembler throws on a stream whose only tool call has `index: 1`
   * (openai-compatible/anthropic-fallback-tool-call.sse), straight from the simulator as through the sidecar.
   */
  async function assembleOpenAI(
    client: OpenAI,
    mode: "create" | "stream" | "chunks",
    headers: Record<string, string>,
  ): Promise<Assembled> {
    const request = {
      model: "any-model",
      messages: [{ role: "user" as const, content: "Call it" }],
      tools: [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }],
    };
    if (mode === "chunks") {
      const assembled: Assembled = { text: "", calls: [], finish: undefined };
      const calls = new Map<number, { id?: string; name: string; arguments: string }>();
      const stream = await client.chat.completions.create({ ...request, stream: true }, { headers });
      for await (const chunk of stream) {
        const [choice] = chunk.choices;
        if (choice === undefined) continue;
        assembled.text += choice.delta.content ?? "";
        for (const delta of choice.delta.tool_calls ?? []) {
          const call = calls.get(delta.index) ?? { name: "", arguments: "" };
          if (delta.id !== undefined) call.id = delta.id;
          call.name += delta.function?.name ?? "";
          call.arguments += delta.function?.arguments ?? "";
          calls.set(delta.index, call);
        }
        if (choice.finish_reason !== null) assembled.finish = choice.finish_reason;
      }
      assembled.calls = [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]) => ({ id: call.id, name: call.name, input: JSON.parse(call.arguments) }));
      return assembled;
    }
    const completion =
      mode === "stream"
        ? await client.chat.completions.stream(request, { headers }).finalChatCompletion()
        : await client.chat.completions.create(request, { headers });
    const [choice] = completion.choices;
    assert.ok(choice, "the completion has a choice");
    return {
      text: choice.message.content ?? "",
      finish: choice.finish_reason,
      calls: (choice.message.tool_calls ?? []).map((call): ToolCall => {
        assert.ok(call.type === "function", `a function tool call, not ${call.type}`);
        return { id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) };
      }),
    };
  }

  for (const [prefix, file, mode] of [
    ["openai/v1", "openai/cassette-chat-tools.yaml", "create"],
    ["deepseek", "deepseek/deepseek-tool-call.json", "create"],
    ["deepseek", "deepseek/deepseek-tool-call.chunks.txt", "stream"],
    ["deepseek", "deepseek/deepseek-tool-call.chunks.txt", "chunks"],
    ["openai/v1", "openai-compatible/xai-tool-call.chunks.txt", "stream"],
    ["openai/v1", "openai-compatible/anthropic-fallback-tool-call.sse", "chunks"],
  ] as const) {
    const how = {
      create: "chat.completions.create",
      stream: "chat.completions.stream().finalChatCompletion()",
      chunks: "chat.completions.create({stream: true}) chunks",
    }[mode];
    test(`OpenAI SDK at /${prefix}, ${how}: ${file}`, async () => {
      const expected = fixtureExpected(file);
      assert.ok(expected.toolCalls.length > 0, "the fixture holds a tool call");
      assert.ok(
        expected.toolCalls.every((call) => call.id),
        "each recorded call has an id to compare",
      );
      const client = new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/${prefix}`, apiKey: clientKey });
      const assembled = await assembleOpenAI(client, mode, { "x-simulator-fixture": fixtureName(file) });
      assert.deepEqual(assembled.calls, expectedCalls(expected));
      assert.equal(assembled.text, expected.text);
      assert.equal(assembled.finish, expected.finish);
      assert.equal(
        lastUpstreamRequest().path,
        prefix === "deepseek" ? "/chat/completions" : "/v1/chat/completions",
      );
    });
  }
});

describe("bytes pass through unchanged", () => {
  const store = () => new FixtureStore();
  for (const [prefix, fixture, streaming] of [
    ["anthropic", "anthropic/anthropic-clear-thinking.1", true],
    ["anthropic", "anthropic/sdk-basic_response", true],
    ["deepseek", "deepseek/deepseek-text", true],
    ["deepseek", "deepseek/deepseek-json", false],
    ["openai/v1", "openai/cassette-chat-streaming", true],
  ] as const) {
    test(`${fixture} (${streaming ? "stream" : "json"}) reaches the client byte for byte`, async () => {
      const lookup = store().lookup(fixture, streaming);
      assert.ok(lookup.found);
      const sent = Buffer.concat(lookup.fixture.chunks);
      const path = prefix === "anthropic" ? "/v1/messages" : "/chat/completions";
      const response = await fetch(`${harness.sidecar.proxyUrl}/${prefix}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-simulator-fixture": fixture },
        body: JSON.stringify({ model: "m", stream: streaming, messages: [] }),
      });
      const received = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, lookup.fixture.status);
      assert.ok(received.equals(sent), `received ${received.length} bytes, upstream sent ${sent.length}`);
    });
  }
});
