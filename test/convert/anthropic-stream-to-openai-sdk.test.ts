// Every Anthropic fixture stream, converted to Chat Completions SSE, as the official `openai` SDK assembles it.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { createStreamConverter } from "../../src/convert/create-stream-converter.ts";
import {
  anthropicChunksToSse,
  fixturesDirectory,
  readFixture,
  readFixtureBytes,
} from "../streaming/fixtures.ts";
import { type PlayServer, playServer, splitBytes } from "./sdk-harness.ts";

interface Expected {
  text: string;
  thinking: string;
  tools: { id: string; name: string; arguments: string }[];
  usage: Record<string, number>;
  stopReason?: string;
}

/** An independent reading of the original stream: what an Anthropic client would have assembled. */
function anthropicOracle(payloads: Record<string, unknown>[]): Expected {
  const expected: Expected = { text: "", thinking: "", tools: [], usage: {} };
  const kinds = new Map<number, string>();
  const tools = new Map<number, { id: string; name: string; arguments: string }>();
  let started = false;
  for (const payload of payloads) {
    const index = payload.index as number;
    if (payload.type === "message_start" && !started) {
      started = true;
      expected.usage = { ...((payload.message as { usage: Record<string, number> }).usage ?? {}) };
    } else if (payload.type === "content_block_start") {
      const block = payload.content_block as Record<string, string>;
      kinds.set(index, block.type!);
      if (block.type === "tool_use") {
        const tool = { id: block.id!, name: block.name!, arguments: "" };
        tools.set(index, tool);
        expected.tools.push(tool);
      }
    } else if (payload.type === "content_block_delta") {
      const delta = payload.delta as Record<string, string>;
      if (delta.type === "text_delta" && kinds.get(index) === "text") expected.text += delta.text;
      if (delta.type === "thinking_delta") expected.thinking += delta.thinking;
      const tool = tools.get(index);
      if (delta.type === "input_json_delta" && tool !== undefined) tool.arguments += delta.partial_json;
    } else if (payload.type === "message_delta") {
      Object.assign(expected.usage, payload.usage);
      expected.stopReason = (payload.delta as { stop_reason: string }).stop_reason;
    }
  }
  return expected;
}

function payloadsOf(file: string): Record<string, unknown>[] {
  const text = readFixture(`anthropic/${file}`);
  const lines = file.endsWith(".chunks.txt")
    ? text.split("\n")
    : text.split("\n").flatMap((line) => (line.startsWith("data:") ? [line.slice(5)] : []));
  return lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}

function bytesOf(file: string): Uint8Array {
  return file.endsWith(".chunks.txt")
    ? anthropicChunksToSse(`anthropic/${file}`)
    : readFixtureBytes(`anthropic/${file}`);
}

const finishReasons: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

const fixtures = readdirSync(join(fixturesDirectory(), "anthropic")).filter(
  (file) => file.endsWith(".chunks.txt") || (file.startsWith("sdk-") && file.endsWith(".txt")),
);

let server: PlayServer;
let current = "";

before(async () => {
  server = await playServer(() => {
    const converter = createStreamConverter("anthropic", "openai", { includeUsage: true });
    const chunks = splitBytes(bytesOf(current), current.length).flatMap((piece) => converter.push(piece));
    return { status: 200, contentType: "text/event-stream", chunks: [...chunks, ...converter.end()] };
  });
});

after(() => server.close());

test("there are Anthropic stream fixtures to convert", () => {
  assert.ok(fixtures.length >= 14, `found ${fixtures.length}`);
});

for (const file of fixtures) {
  test(`${file} → OpenAI SSE → openai SDK assembles what Anthropic said`, async () => {
    current = file;
    const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: "claude-any",
      messages: [{ role: "user", content: "hi" }],
      stream_options: { include_usage: true },
    });
    if (file === "spliced-message-start.chunks.txt") {
      // Two messages spliced into one stream cannot be one completion: the SDK must raise, not assemble.
      await assert.rejects(stream.finalChatCompletion(), /second Anthropic message/);
      return;
    }
    let reasoning = "";
    const ids = new Set<string>();
    let roles = 0;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      const delta = chunk.choices[0]?.delta as { reasoning_content?: string; role?: string } | undefined;
      reasoning += delta?.reasoning_content ?? "";
      if (delta?.role !== undefined) roles++;
    }
    const completion = await stream.finalChatCompletion();
    const expected = anthropicOracle(payloadsOf(file));
    const message = completion.choices[0]!.message;
    assert.equal(ids.size, 1, "one chunk id across the stream");
    assert.equal(roles, 1, "the role comes once, first");
    assert.equal(message.content ?? "", expected.text);
    assert.equal(reasoning, expected.thinking);
    const calls = (message.tool_calls ?? []).map((call) => {
      assert.equal(call.type, "function");
      return { id: call.id, name: call.function.name, arguments: call.function.arguments };
    });
    assert.deepEqual(
      calls.map(({ id, name }) => ({ id, name })),
      expected.tools.map(({ id, name }) => ({ id, name })),
    );
    calls.forEach((call, index) => {
      const original = expected.tools[index]!.arguments;
      // Anthropic streams no fragment for `{}` input; OpenAI clients get `{}`, as OpenAI sends it.
      assert.equal(call.arguments, original === "" ? "{}" : original);
      if (expected.stopReason !== "max_tokens") {
        assert.deepEqual(JSON.parse(call.arguments || "{}"), JSON.parse(original || "{}"));
      }
    });
    const usage = expected.usage;
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    assert.equal(
      completion.usage?.prompt_tokens,
      (usage.input_tokens ?? 0) + cacheRead + (usage.cache_creation_input_tokens ?? 0),
    );
    assert.equal(completion.usage?.completion_tokens, usage.output_tokens);
    if (usage.cache_read_input_tokens !== undefined) {
      assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, cacheRead);
    }
    assert.equal(completion.choices[0]!.finish_reason, finishReasons[expected.stopReason ?? "end_turn"]);
  });
}
