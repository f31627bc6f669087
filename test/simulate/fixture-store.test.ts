// Every recorded fixture turns into exactly what its provider sent: framing, bytes, status and headers.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { splitRawEvents } from "../../src/simulate/fixture-framing.ts";
import {
  FixtureStore,
  fixturesDirectory,
  listFixtureFiles,
  loadFixture,
} from "../../src/simulate/fixture-store.ts";
import { fixtures, parseSse } from "./simulator-test-helpers.ts";

const store = new FixtureStore(fixtures);
const files = listFixtureFiles(fixtures);

test("fixturesDirectory honours OUTRIGGER_FIXTURES and fails loudly when it is missing", () => {
  assert.equal(fixturesDirectory({ OUTRIGGER_FIXTURES: fixtures }), fixtures);
  assert.throws(
    () => fixturesDirectory({ OUTRIGGER_FIXTURES: "/nonexistent/outrigger-fixtures" }),
    /OUTRIGGER_FIXTURES.*does not exist/,
  );
  assert.match(fixturesDirectory({}), /shared[/\\]fixtures$/);
});

test("the listing covers the four provider folders and leaves Bedrock out", () => {
  for (const folder of ["anthropic/", "deepseek/", "openai/", "openai-compatible/"]) {
    assert.ok(
      files.some((file) => file.startsWith(folder)),
      folder,
    );
  }
  assert.ok(!files.some((file) => file.startsWith("bedrock/")));
  assert.ok(files.length >= 35, `only ${files.length} fixtures listed`);
});

for (const file of files.filter((name) => name.endsWith(".chunks.txt"))) {
  test(`${file} is framed as its provider frames SSE`, () => {
    const fixture = store.file(file);
    assert.ok(fixture !== undefined);
    assert.equal(fixture.status, 200);
    assert.equal(fixture.headers["content-type"], "text/event-stream; charset=utf-8");
    const lines = readFileSync(join(fixtures, file), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const text = Buffer.concat(fixture.chunks).toString("utf8");
    const events = parseSse(text);
    if (file.startsWith("anthropic/")) {
      assert.equal(fixture.chunks.length, lines.length, "one chunk per event");
      assert.deepEqual(
        events.map((event) => event.data),
        lines,
      );
      for (const [index, event] of events.entries()) {
        assert.equal(event.event, (JSON.parse(lines[index] ?? "") as { type: string }).type);
      }
      assert.ok(!text.includes("[DONE]"));
    } else {
      assert.equal(fixture.chunks.length, lines.length + 1);
      assert.deepEqual(
        events.map((event) => event.data),
        [...lines, "[DONE]"],
      );
      assert.ok(events.every((event) => event.event === undefined));
      assert.ok(text.endsWith("data: [DONE]\n\n"));
    }
  });
}

for (const file of files.filter((name) => name.endsWith(".sse") || /\/sdk-[^/]*\.txt$/.test(name))) {
  test(`${file} is replayed byte for byte, split at blank lines`, () => {
    const fixture = store.file(file);
    assert.ok(fixture !== undefined);
    assert.ok(Buffer.concat(fixture.chunks).equals(readFileSync(join(fixtures, file))));
    assert.ok(fixture.chunks.length > 3, "split into events for pacing");
    for (const chunk of fixture.chunks.slice(0, -1)) assert.ok(chunk.toString("utf8").endsWith("\n\n"));
  });
}

for (const file of files.filter((name) => name.endsWith(".json"))) {
  test(`${file} is a JSON body sent as recorded`, () => {
    const fixture = store.file(file);
    assert.ok(fixture !== undefined);
    assert.equal(fixture.headers["content-type"], "application/json");
    assert.ok(Buffer.concat(fixture.chunks).equals(readFileSync(join(fixtures, file))));
    const isError = "error" in (JSON.parse(readFileSync(join(fixtures, file), "utf8")) as object);
    assert.equal(fixture.status, isError ? 400 : 200);
  });
}

for (const file of files.filter((name) => name.endsWith(".yaml"))) {
  test(`${file} replays the recorded status, headers and body`, () => {
    const fixture = store.file(file);
    assert.ok(fixture !== undefined);
    const recorded = (
      parse(readFileSync(join(fixtures, file), "utf8")) as {
        interactions: { response: { code: number; body: string; headers: Record<string, string[]> } }[];
      }
    ).interactions[0]?.response;
    assert.ok(recorded !== undefined);
    assert.equal(fixture.status, recorded.code);
    assert.equal(Buffer.concat(fixture.chunks).toString("utf8"), recorded.body);
    for (const [name, values] of Object.entries(recorded.headers)) {
      if (name.toLowerCase() === "content-length") continue;
      assert.equal(fixture.headers[name.toLowerCase()], values.join(", "), name);
    }
    assert.equal(fixture.streaming, (recorded.headers["Content-Type"]?.[0] ?? "").includes("event-stream"));
  });
}

test("lookup picks the variant for the mode and explains what is missing", () => {
  const streaming = store.lookup("anthropic/anthropic-text", true);
  assert.ok(streaming.found && streaming.fixture.file === "anthropic/anthropic-text.chunks.txt");
  const json = store.lookup("anthropic/anthropic-text", false);
  assert.ok(json.found && json.fixture.file === "anthropic/anthropic-text.json");
  const raw = store.lookup("anthropic/sdk-basic_response", true);
  assert.ok(raw.found && raw.fixture.file === "anthropic/sdk-basic_response.txt");
  const cassette = store.lookup("openai/cassette-chat-streaming", true);
  assert.ok(cassette.found && cassette.fixture.file === "openai/cassette-chat-streaming.yaml");
  const noJson = store.lookup("openai/cassette-chat-streaming", false);
  assert.ok(!noJson.found && noJson.reason === "no-variant" && /non-streaming/.test(noJson.message));
  const errorEitherWay = store.lookup("openai/cassette-chat-bad-request", true);
  assert.ok(errorEitherWay.found && errorEitherWay.fixture.status === 400);
  const exact = store.lookup("anthropic/anthropic-text.json", true);
  assert.ok(exact.found && exact.fixture.file === "anthropic/anthropic-text.json");
  assert.ok(!store.lookup("anthropic/nope", true).found);
  assert.ok(!store.lookup("bedrock/amazon-bedrock-text", true).found);
  assert.ok(!store.lookup("../fixtures/anthropic/anthropic-text", true).found);
  assert.ok(!store.lookup("anthropic/../deepseek/deepseek-text", true).found);
  assert.throws(() => loadFixture("deepseek/deepseek-json", true, fixtures), /no streaming variant/);
  assert.equal(loadFixture("deepseek/deepseek-json", false, fixtures).status, 200);
});

test("splitRawEvents keeps every byte, CRLF and unterminated tails included", () => {
  for (const input of [
    "",
    "data: a\n\ndata: b\n\n",
    "data: a\r\n\r\ndata: b",
    "x\n\n\n\ny",
    "data: a  \n\nevent: e\ndata: b\n",
  ]) {
    const parts = splitRawEvents(Buffer.from(input));
    assert.equal(Buffer.concat(parts).toString(), input);
  }
  assert.equal(splitRawEvents(Buffer.from("data: a\r\n\r\ndata: b")).length, 2);
});

test("a cassette without a response is rejected with the file named", () => {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-fixtures-"));
  try {
    writeFileSync(join(directory, "broken.yaml"), "version: 2\ninteractions: []\n");
    const broken = new FixtureStore(directory);
    // `file()` reads any path under the folder, which lets a broken cassette be loaded outside a provider folder.
    assert.throws(() => broken.file("broken.yaml"), /broken\.yaml/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
