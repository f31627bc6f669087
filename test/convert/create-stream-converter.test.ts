// The stream converter's own contract: pass-through for one dialect, observation hook, undecodable bodies refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createStreamConverter } from "../../src/convert/create-stream-converter.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import type { StandardStreamEvent } from "../../src/schema/standard-event.ts";
import { anthropicChunksToSse, openaiChunksToSse } from "../streaming/fixtures.ts";
import { splitBytes } from "./sdk-harness.ts";

test("same dialect: bytes pass unchanged while onEvent still sees the standard events", () => {
  const bytes = anthropicChunksToSse("anthropic/anthropic-text.chunks.txt");
  const seen: StandardStreamEvent[] = [];
  const converter = createStreamConverter("anthropic", "anthropic", { onEvent: (event) => seen.push(event) });
  const out = [...splitBytes(bytes, 7).flatMap((piece) => converter.push(piece)), ...converter.end()];
  assert.deepEqual(Buffer.concat(out), Buffer.from(bytes));
  assert.equal(seen[0]?.type, "response-start");
  assert.equal(seen.at(-1)?.type, "response-end");
});

test("across dialects onEvent sees every decoded event once, in order", () => {
  const seen: string[] = [];
  const converter = createStreamConverter("openai", "anthropic", {
    onEvent: (event) => seen.push(event.type),
  });
  converter.push(openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt"));
  converter.end();
  assert.equal(seen.filter((type) => type === "response-start").length, 1);
  assert.deepEqual(seen.slice(-3), ["tool-call-end", "usage", "response-end"]);
  assert.ok(seen.includes("tool-call-start") && seen.includes("reasoning-delta"));
});

test("a body whose content type no decoder reads is refused with a ProxyError", () => {
  assert.throws(
    () => createStreamConverter("openai", "anthropic", { contentType: "text/html" }),
    (error: unknown) => error instanceof ProxyError && error.code === "upstream_error",
  );
});

test("across dialects one upstream read comes out as one chunk, the same bytes as read piece by piece", () => {
  const bytes = openaiChunksToSse("deepseek/deepseek-tool-call.chunks.txt");
  const whole = createStreamConverter("openai", "anthropic", { randomId: () => "fixed" });
  const pushed = whole.push(bytes);
  const ended = whole.end();
  // Many events in one read: one write for the client's socket, not one per event.
  assert.equal(pushed.length, 1);
  assert.ok(ended.length <= 1);
  const pieces = createStreamConverter("openai", "anthropic", { randomId: () => "fixed" });
  const pieceOut = [...splitBytes(bytes, 5).flatMap((piece) => pieces.push(piece)), ...pieces.end()];
  assert.equal(Buffer.concat([...pushed, ...ended]).toString(), Buffer.concat(pieceOut).toString());
  assert.match(Buffer.from(pushed[0]!).toString(), /event: message_start[\s\S]*event: content_block_delta/);
});

test("an OpenAI error event whose code names the cause keeps it across dialects (the proxy's own shutdown cut)", () => {
  const converter = createStreamConverter("openai", "anthropic", { randomId: () => "fixed" });
  const error = { error: { message: "shutting down", type: "server_error", code: "overloaded" } };
  const out = Buffer.concat([
    ...converter.push(Buffer.from(`data: ${JSON.stringify(error)}\n\n`)),
    ...converter.end(),
  ]);
  assert.match(out.toString(), /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error"/);
});
