// End to end: the Anthropic SDK through a running sidecar to a fake Vertex AI, tokens from a fake Google token endpoint.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { jwtVerify } from "jose";
import { parseConfig } from "../../../src/config/load-config.ts";
import { type Sidecar, startSidecar } from "../../../src/sidecar.ts";
import { createLogger } from "../../../src/telemetry/logger.ts";
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from "../../credentials/fake-token-endpoint.ts";
import { anthropicExpected, fixtureLines, fixturePath } from "../../support/fixture-expectations.ts";
import { type FakeVertex, startFakeVertex } from "./fake-vertex.ts";

const clientKey = "client-placeholder-key";
const events = fixtureLines("anthropic/anthropic-text.chunks.txt");
const recorded = JSON.parse(await readFile(fixturePath("anthropic/anthropic-text.json"), "utf8"));
const accepted = new Set<string>();
let refuseAll = false;
let issued = 0;
let directory = "";
let idp: FakeTokenEndpoint;
let vertex: FakeVertex;
let sidecar: Sidecar;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-vertex-"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  idp = await startFakeTokenEndpoint(async (call) => {
    const { payload } = await jwtVerify(call.form.get("assertion") ?? "", publicKey, { audience: idp.url });
    if (payload.scope !== "https://www.googleapis.com/auth/cloud-platform")
      return { status: 400, body: { error: "invalid_scope" } };
    issued += 1;
    const token = `ya29.token-${issued}`;
    accepted.add(token);
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: "Bearer" } };
  });
  const serviceAccount = join(directory, "sa.json");
  await writeFile(
    serviceAccount,
    JSON.stringify({
      type: "service_account",
      client_email: "sidecar@my-project.iam.gserviceaccount.com",
      private_key_id: "k1",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      token_uri: idp.url,
    }),
  );
  vertex = await startFakeVertex({
    project: "my-project",
    region: "us-east5",
    acceptedTokens: () => (refuseAll ? [] : [...accepted]),
    events,
    message: recorded,
  });
  const config = parseConfig({
    listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
    providers: {
      vertex: {
        protocol: "vertex-anthropic",
        baseUrl: vertex.url,
        vertex: { project: "my-project", region: "us-east5" },
        credentials: [
          {
            oauth2: {
              grant: "jwt_bearer",
              serviceAccount: { file: serviceAccount },
              scope: "https://www.googleapis.com/auth/cloud-platform",
            },
          },
        ],
      },
    },
  });
  sidecar = await startSidecar(
    { config, file: "vertex.yaml" },
    { warm: false, logger: createLogger({ level: "silent" }) },
  );
});

after(async () => {
  await sidecar?.stop(1000);
  await vertex?.close();
  await idp?.close();
  await rm(directory, { recursive: true, force: true });
});

const client = () =>
  new Anthropic({ baseURL: `${sidecar.proxyUrl}/vertex`, apiKey: clientKey, maxRetries: 0 });

test("messages.create reaches rawPredict with a Google token and returns the recorded message", async () => {
  const message = await client().messages.create({
    model: "claude-sonnet-4-5@20250929",
    max_tokens: 64,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.deepEqual(message.content, recorded.content);
  const call = vertex.calls.at(-1);
  assert.match(call?.url ?? "", /\/models\/claude-sonnet-4-5%4020250929:rawPredict$/);
  assert.match(String(call?.headers.authorization), /^Bearer ya29\.token-\d+$/);
  assert.ok(!JSON.stringify(call?.headers).includes(clientKey));
});

test("a stream through streamRawPredict assembles the recorded text", async () => {
  const expected = anthropicExpected(events);
  const message = await client()
    .messages.stream({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi" }],
    })
    .finalMessage();
  assert.equal(
    message.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
    expected.text,
  );
  assert.match(vertex.calls.at(-1)?.url ?? "", /:streamRawPredict$/);
});

test("a 401 from Vertex forces one token refresh and one retry; the SDK never sees it", async () => {
  const fetchesBefore = idp.calls.length;
  const callsBefore = vertex.calls.length;
  accepted.clear(); // Google revoked the token early
  const message = await client().messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 8,
    messages: [{ role: "user", content: "x" }],
  });
  assert.deepEqual(message.content, recorded.content);
  assert.equal(idp.calls.length, fetchesBefore + 1, "exactly one refresh");
  assert.equal(vertex.calls.length, callsBefore + 2, "the rejected attempt and one retry");
  assert.equal(vertex.calls.at(-1)?.headers.authorization, `Bearer ya29.token-${issued}`);
});

test("a token Vertex keeps refusing: one refresh, one retry, then an Anthropic authentication error", async () => {
  const fetchesBefore = idp.calls.length;
  const callsBefore = vertex.calls.length;
  refuseAll = true;
  try {
    await assert.rejects(
      client().messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 8,
        messages: [{ role: "user", content: "x" }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
        assert.match(error.message, /invalid authentication credentials/);
        return true;
      },
    );
  } finally {
    refuseAll = false;
  }
  assert.equal(idp.calls.length, fetchesBefore + 1);
  assert.equal(vertex.calls.length, callsBefore + 2);
});

test("a path Vertex does not serve gets an Anthropic-dialect 404 from the sidecar", async () => {
  const response = await fetch(`${sidecar.proxyUrl}/vertex/v1/complete`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": clientKey },
    body: JSON.stringify({ model: "claude-haiku-4-5", prompt: "x" }),
  });
  assert.equal(response.status, 404);
  const body = (await response.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "not_found_error");
  assert.match(body.error.message, /serves \/v1\/messages/);
});
