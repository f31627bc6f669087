// The idle timeout mid-stream on a real decoder: keep-alive comments count as traffic, a quiet gap ends the
// stream with an in-dialect error event, and the upstream body is cut.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import { openaiAdapter } from "../../src/providers/openai/openai-adapter.ts";
import { observeStream } from "../../src/streaming/observed-body.ts";
import { testExchange } from "../support/test-exchange.ts";

const exchange = (): Exchange => testExchange();

const chunk = (text: string) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
const done = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;

/** An upstream body writing `parts` with the given pauses (ms) before each. */
function upstream(parts: [number, string][]): Readable {
  const body = new Readable({ read() {} });
  void (async () => {
    for (const [pause, text] of parts) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (body.destroyed) return;
      body.push(Buffer.from(text));
    }
    body.push(null);
  })();
  return body;
}

async function collect(body: Readable): Promise<string> {
  let text = "";
  for await (const part of observeStream(body, exchange(), {
    decoder: openaiAdapter.decoderFor("text/event-stream")!,
    renderStreamError: openaiAdapter.renderStreamError,
    idleTimeout: 250,
    abort: (error) => body.destroy(error),
  })) {
    text += Buffer.from(part).toString();
  }
  return text;
}

test("keep-alive comments every 100 ms keep a 600 ms wait alive under a 250 ms idle timeout", async () => {
  const keepAlives: [number, string][] = Array.from({ length: 6 }, () => [100, ": keep-alive\n\n"]);
  const text = await collect(upstream([[0, chunk("Hel")], ...keepAlives, [50, chunk("lo")], [0, done]]));
  assert.doesNotMatch(text, /"error"/);
  assert.match(text, /\[DONE\]/);
});

test("a 500 ms quiet gap ends the stream with an OpenAI error chunk and cuts the upstream", async () => {
  const body = upstream([
    [0, chunk("Hel")],
    [500, chunk("lo")],
    [0, done],
  ]);
  const text = await collect(body);
  assert.match(text, /data: \{"error":\{"message":"The upstream sent nothing for 250 ms mid-stream/);
  assert.doesNotMatch(text, /\[DONE\]/);
  assert.ok(body.destroyed, "the upstream read was cut");
});

test("a body dropped unread (an attempt discarded for a retry) starts no timer that would keep it alive", async (context) => {
  // An idle timer re-arms itself while nobody reads: started before the first read, it would hold the
  // dropped body, its exchange and the request body for good.
  const timers = context.mock.method(globalThis, "setTimeout");
  const body = upstream([[0, chunk("a")]]);
  const observed = observeStream(body, exchange(), {
    decoder: openaiAdapter.decoderFor("text/event-stream")!,
    renderStreamError: openaiAdapter.renderStreamError,
    idleTimeout: 60_000,
    abort: (error) => body.destroy(error),
  });
  const started = () => timers.mock.calls.filter((call) => call.arguments[1] === 60_000).length;
  assert.equal(started(), 0, "nothing started while unread");
  await observed.next();
  assert.equal(started(), 1, "the clock starts with the first read");
  await observed.return?.();
});
