// The generated large stream is valid SSE of exactly the requested size in each dialect, made lazily.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { syntheticStream } from "../../src/simulate/synthetic-stream.ts";
import { fixtures, parseSse, send } from "./simulator-test-helpers.ts";

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ fixtures });
});
after(async () => {
  await simulator.close();
});

function collect(dialect: "anthropic" | "openai", size: number): string {
  return Buffer.concat([...syntheticStream(dialect, size, "model-x")]).toString("utf8");
}

function anthropicText(text: string): string {
  const events = parseSse(text);
  assert.deepEqual(
    [events[0]?.event, events[1]?.event, ...events.slice(-3).map((event) => event.event)],
    ["message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop"],
  );
  for (const event of events) assert.equal((JSON.parse(event.data) as { type: string }).type, event.event);
  const delta = JSON.parse(events.at(-2)?.data ?? "") as { usage: { output_tokens: number } };
  assert.ok(delta.usage.output_tokens > 0);
  return events
    .filter((event) => event.event === "content_block_delta")
    .map((event) => (JSON.parse(event.data) as { delta: { text: string } }).delta.text)
    .join("");
}

function openaiText(text: string): string {
  const events = parseSse(text);
  assert.equal(events.at(-1)?.data, "[DONE]");
  const chunks = events.slice(0, -1).map(
    (event) =>
      JSON.parse(event.data) as {
        model: string;
        choices: { delta: { content?: string }; finish_reason: string | null }[];
        usage?: { completion_tokens: number };
      },
  );
  assert.ok(chunks.every((chunk) => chunk.model === "model-x"));
  const last = chunks.at(-1);
  assert.equal(last?.choices[0]?.finish_reason, "stop");
  assert.ok((last?.usage?.completion_tokens ?? 0) > 0);
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

for (const size of [2000, 16 * 1024 + 700, 100_000, 333_333]) {
  test(`a ${size}-byte synthetic stream is exactly that size and well formed in both dialects`, () => {
    const anthropic = collect("anthropic", size);
    assert.equal(Buffer.byteLength(anthropic), size);
    assert.ok(anthropicText(anthropic).length > size / 2);
    const openai = collect("openai", size);
    assert.equal(Buffer.byteLength(openai), size);
    assert.ok(openaiText(openai).length > size / 2);
  });
}

test("a size below the smallest stream still yields a complete stream", () => {
  const text = collect("anthropic", 10);
  assert.equal(anthropicText(text).length, 1);
  assert.equal(openaiText(collect("openai", 10)).length, 1);
});

test("the generator is lazy: a GiB stream's first chunks come without producing the rest", () => {
  const iterator = syntheticStream("openai", 1024 ** 3, "m");
  const first = iterator.next();
  const second = iterator.next();
  assert.ok(!first.done && !second.done);
  assert.ok(second.value.length <= 17 * 1024, "one bounded delta at a time");
  iterator.return(undefined);
});

test("x-simulator-size on a streaming request serves the synthetic stream in the path's dialect", async () => {
  const anthropic = await send(
    simulator.url,
    "/v1/messages",
    { model: "model-x", stream: true },
    { "x-simulator-size": "50000" },
  );
  assert.equal(anthropic.body.length, 50_000);
  assert.equal(anthropic.headers["content-type"], "text/event-stream; charset=utf-8");
  anthropicText(anthropic.body.toString());
  const openai = await send(
    simulator.url,
    "/chat/completions",
    { model: "model-x", stream: true },
    { "x-simulator-size": "50000" },
  );
  assert.equal(openai.body.length, 50_000);
  openaiText(openai.body.toString());
  const notStreaming = await send(
    simulator.url,
    "/chat/completions",
    { model: "deepseek-chat" },
    { "x-simulator-size": "50000" },
  );
  assert.equal(
    simulator.requests.at(-1)?.fixture,
    "deepseek/deepseek-text.json",
    "size applies to streams only",
  );
  assert.equal(notStreaming.status, 200);
});
