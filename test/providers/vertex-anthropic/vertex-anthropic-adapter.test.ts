// Vertex adapter: the rawPredict mapping, bearer injection, and Google's error envelope rendered in Anthropic's dialect.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Credential } from "../../../src/credentials/credential.ts";
import { ProxyError } from "../../../src/errors/proxy-error.ts";
import type { Exchange } from "../../../src/pipeline/exchange.ts";
import { vertexAnthropicAdapter } from "../../../src/providers/vertex-anthropic/vertex-anthropic-adapter.ts";
import type { ProviderRuntime } from "../../../src/routing/provider-runtime.ts";
import { testExchange } from "../../support/test-exchange.ts";

const token: Credential = { kind: "token", token: "ya29.access", style: "bearer", keyId: "k" };

function exchange(body: unknown, upstreamPath = "/v1/messages"): Exchange {
  return {
    ...testExchange({
      id: "x",
      path: `/vertex${upstreamPath}`,
      headers: {
        "content-type": "application/json",
        "x-api-key": "client-placeholder",
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "tools-2024",
      },
      body: Buffer.from(JSON.stringify(body)),
      start: 0,
    }),
    route: {
      provider: {
        id: "vertex",
        config: {
          baseUrl: "https://us-east5-aiplatform.googleapis.com",
          vertex: { project: "my-project", region: "us-east5" },
        },
      } as unknown as ProviderRuntime,
      upstreamPath,
      clientDialect: "anthropic",
    },
  };
}

test("messages become rawPredict / streamRawPredict with the model in the path and the Vertex version in the body", async () => {
  const plain = await vertexAnthropicAdapter.prepare(
    exchange({ model: "claude-sonnet-4-5@20250929", max_tokens: 9, messages: [] }),
    token,
  );
  assert.equal(plain.method, "POST");
  assert.equal(
    plain.path,
    "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5%4020250929:rawPredict",
  );
  assert.deepEqual(JSON.parse(plain.body?.toString() ?? ""), {
    max_tokens: 9,
    messages: [],
    anthropic_version: "vertex-2023-10-16",
  });
  assert.equal(plain.headers.authorization, "Bearer ya29.access");
  assert.equal(plain.headers["x-api-key"], undefined);
  assert.equal(plain.headers["anthropic-version"], undefined);
  assert.equal(plain.headers["anthropic-beta"], "tools-2024");

  const streamed = await vertexAnthropicAdapter.prepare(
    exchange({ model: "claude-haiku-4-5", stream: true, messages: [] }, "/v1/messages?beta=true"),
    token,
  );
  assert.match(streamed.path, /\/models\/claude-haiku-4-5:streamRawPredict$/);
  assert.equal(JSON.parse(streamed.body?.toString() ?? "").stream, true);

  const counted = await vertexAnthropicAdapter.prepare(
    exchange({ model: "claude-haiku-4-5", messages: [] }, "/v1/messages/count_tokens"),
    token,
  );
  assert.match(counted.path, /\/models\/count-tokens:rawPredict$/);
  assert.equal(JSON.parse(counted.body?.toString() ?? "").model, "claude-haiku-4-5");
});

test("wrong paths, bodies and credentials are refused with ProxyErrors", () => {
  const code = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return error instanceof ProxyError ? error.code : "not a ProxyError";
    }
    return undefined;
  };
  assert.equal(
    code(() => vertexAnthropicAdapter.prepare(exchange({ model: "m" }, "/v1/complete"), token)),
    "unknown_route",
  );
  assert.equal(
    code(() => vertexAnthropicAdapter.prepare(exchange({ max_tokens: 1 }), token)),
    "bad_request",
  );
  assert.equal(
    code(() => vertexAnthropicAdapter.prepare(exchange({ model: "m" }), undefined)),
    "credential_missing",
  );
  const aws: Credential = { kind: "aws", accessKeyId: "a", secretAccessKey: "b", region: "r", keyId: "k" };
  assert.equal(
    code(() => vertexAnthropicAdapter.prepare(exchange({ model: "m" }), aws)),
    "credential_missing",
  );
});

test("Google's error envelope and Anthropic's passed-through one both render as Anthropic errors", () => {
  const google = vertexAnthropicAdapter.parseError(
    429,
    {},
    JSON.stringify([
      {
        error: {
          code: 429,
          message: "Quota exceeded for aiplatform.googleapis.com",
          status: "RESOURCE_EXHAUSTED",
        },
      },
    ]),
  );
  assert.deepEqual(JSON.parse(vertexAnthropicAdapter.renderError(google).body), {
    type: "error",
    error: { type: "rate_limit_error", message: "Quota exceeded for aiplatform.googleapis.com" },
  });
  const unauthenticated = vertexAnthropicAdapter.parseError(
    401,
    {},
    JSON.stringify({ error: { code: 401, message: "bad token", status: "UNAUTHENTICATED" } }),
  );
  assert.equal(vertexAnthropicAdapter.renderError(unauthenticated).status, 401);
  assert.equal(unauthenticated.kind, "authentication");
  const anthropic = vertexAnthropicAdapter.parseError(
    529,
    {},
    JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
  );
  assert.equal(anthropic.kind, "overloaded");
  assert.equal(vertexAnthropicAdapter.renderUpstreamErrors, true);
});
