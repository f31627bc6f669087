// Inbound auth through a running sidecar: the official SDKs present the pod token as their API key; failures in dialect.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";

const podToken = "pod-token-4f9a1c";
const directory = mkdtempSync(join(tmpdir(), "outrigger-pod-token-"));
const tokenFile = join(directory, "token");
writeFileSync(tokenFile, `${podToken}\n`);
let harness: Harness;

before(async () => {
  harness = await startHarness({
    config: (url) => harnessConfig(url, { auth: { token: { file: tokenFile } } }),
  });
});
after(async () => {
  await harness.close();
  rmSync(directory, { recursive: true, force: true });
});

const upstreamPosts = () => harness.simulator.requests.filter((request) => request.method === "POST").length;

test("the Anthropic SDK with the pod token as its API key is served", async () => {
  const anthropic = new Anthropic({
    baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
    apiKey: podToken,
    maxRetries: 0,
  });
  const message = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.equal(message.type, "message");
});

test("a wrong token gets an Anthropic AuthenticationError and never reaches the upstream", async () => {
  const before = upstreamPosts();
  const anthropic = new Anthropic({
    baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
    apiKey: "wrong",
    maxRetries: 0,
  });
  await assert.rejects(
    anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "x" }],
    }),
    (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
      assert.match(error.message, /pod token does not match/);
      return true;
    },
  );
  assert.equal(upstreamPosts(), before);
});

test("the OpenAI SDK: served with the pod token as bearer, an OpenAI-dialect 401 without it", async () => {
  const good = new OpenAI({
    baseURL: `${harness.sidecar.proxyUrl}/openai/v1`,
    apiKey: podToken,
    maxRetries: 0,
  });
  const completion = await good.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.ok(completion.choices.length > 0);
  const bad = new OpenAI({
    baseURL: `${harness.sidecar.proxyUrl}/openai/v1`,
    apiKey: "sk-not-the-pod-token",
    maxRetries: 0,
  });
  await assert.rejects(
    bad.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.status, 401);
      return true;
    },
  );
});

test("an explicit x-outrigger-token is accepted and never forwarded upstream", async () => {
  const anthropic = new Anthropic({
    baseURL: `${harness.sidecar.proxyUrl}/anthropic`,
    apiKey: "sk-placeholder",
    defaultHeaders: { "x-outrigger-token": podToken },
    maxRetries: 0,
  });
  await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "x" }],
  });
  const last = harness.simulator.requests.filter((request) => request.method === "POST").at(-1);
  assert.ok(last !== undefined);
  assert.ok(!JSON.stringify(last.headers).includes(podToken), "the pod token stays in the pod");
});
