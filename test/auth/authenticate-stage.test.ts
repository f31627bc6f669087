// Inbound auth: pod token and JWT (JWKS file and URL) accepted and rejected cases, as the stage answers them.
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SignJWT } from "jose";
import { type AuthenticateOptions, authenticateStage } from "../../src/auth/authenticate-stage.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import type { Exchange } from "../../src/pipeline/exchange.ts";
import { testExchange } from "../support/test-exchange.ts";

const now = Date.UTC(2026, 5, 1, 12, 0, 0);
let directory = "";
let jwksFile = "";
let signingKey: KeyObject;
let strangerKey: KeyObject;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-auth-"));
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  signingKey = pair.privateKey;
  strangerKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  jwksFile = join(directory, "jwks.json");
  await writeFile(
    jwksFile,
    JSON.stringify({
      keys: [{ ...pair.publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" }],
    }),
  );
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function exchange(headers: IncomingHttpHeaders): Exchange {
  return testExchange({ path: "/anthropic/v1/messages", headers, body: Buffer.from("{}"), start: 0 });
}

/** Runs the stage in front of a handler that answers 200; returns 200 or the ProxyError it threw. */
async function check(
  options: AuthenticateOptions,
  headers: IncomingHttpHeaders,
): Promise<number | ProxyError> {
  const handler = authenticateStage(options)(async () => ({
    status: 200,
    headers: {},
    body: Buffer.alloc(0),
  }));
  try {
    return (await handler(exchange(headers))).status;
  } catch (error) {
    assert.ok(error instanceof ProxyError, `expected a ProxyError, got ${String(error)}`);
    return error;
  }
}

function assertRejected(result: number | ProxyError, reason: RegExp): void {
  assert.ok(result instanceof ProxyError, `expected a rejection, got ${String(result)}`);
  assert.equal(result.code, "unauthorized");
  assert.equal(result.status, 401);
  assert.equal(result.kind, "authentication");
  assert.match(result.headers["www-authenticate"] ?? "", /^Bearer/);
  assert.match(result.message, reason);
}

async function jwt(
  options: { key?: KeyObject; kid?: string; aud?: string; iss?: string; exp?: number } = {},
) {
  return new SignJWT({ sub: "system:serviceaccount:shop:checkout" })
    .setProtectedHeader({ alg: "ES256", kid: options.kid ?? "k1" })
    .setIssuer(options.iss ?? "https://kubernetes.default.svc")
    .setAudience(options.aud ?? "outrigger")
    .setIssuedAt(Math.floor(now / 1000) - 60)
    .setExpirationTime(options.exp ?? Math.floor(now / 1000) + 600)
    .sign(options.key ?? signingKey);
}

test("no auth configured: every request passes", async () => {
  assert.equal(await check({ auth: undefined }, {}), 200);
});

test("pod token: accepted as the SDK's API key, as a bearer token or explicitly; anything else is 401", async () => {
  const options: AuthenticateOptions = {
    auth: { token: { env: "POD_TOKEN" } },
    env: { POD_TOKEN: "pod-secret-123\n" },
  };
  assert.equal(await check(options, { "x-api-key": "pod-secret-123" }), 200);
  assert.equal(await check(options, { authorization: "Bearer pod-secret-123" }), 200);
  assert.equal(
    await check(options, { "x-outrigger-token": "pod-secret-123", "x-api-key": "sk-placeholder" }),
    200,
  );
  assertRejected(await check(options, { "x-api-key": "pod-secret-12" }), /pod token does not match/);
  assertRejected(await check(options, {}), /no token presented/);
  const wrong = await check(options, { authorization: "Bearer nope" });
  assertRejected(wrong, /does not match/);
  assert.ok(wrong instanceof ProxyError && !wrong.message.includes("pod-secret-123"));
});

test("pod token not set in the sidecar: fails closed, naming the variable", async () => {
  const result = await check({ auth: { token: { env: "POD_TOKEN" } }, env: {} }, { "x-api-key": "anything" });
  assertRejected(result, /POD_TOKEN is not set/);
});

test("JWT against a JWKS file: the valid token passes; audience, issuer, expiry, signature and key are checked", async () => {
  const options: AuthenticateOptions = {
    auth: { jwks: { file: jwksFile }, audience: "outrigger", issuer: "https://kubernetes.default.svc" },
    now: () => now,
  };
  assert.equal(await check(options, { authorization: `Bearer ${await jwt()}` }), 200);
  assert.equal(await check(options, { "x-api-key": await jwt() }), 200);
  assertRejected(
    await check(options, { authorization: `Bearer ${await jwt({ aud: "someone-else" })}` }),
    /'aud' claim/,
  );
  assertRejected(
    await check(options, { authorization: `Bearer ${await jwt({ iss: "https://evil.example" })}` }),
    /'iss' claim/,
  );
  const expired = await jwt({ exp: Math.floor(now / 1000) - 3600 });
  assertRejected(await check(options, { authorization: `Bearer ${expired}` }), /expired/);
  const forged = await jwt({ key: strangerKey });
  assertRejected(await check(options, { authorization: `Bearer ${forged}` }), /signature does not verify/);
  const unknownKey = await jwt({ key: strangerKey, kid: "k9" });
  assertRejected(await check(options, { authorization: `Bearer ${unknownKey}` }), /unknown key/);
  const symmetric = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", kid: "k1" })
    .setAudience("outrigger")
    .setIssuer("https://kubernetes.default.svc")
    .setExpirationTime(Math.floor(now / 1000) + 600)
    .sign(new TextEncoder().encode("guessable-secret-guessable-secret"));
  assertRejected(await check(options, { authorization: `Bearer ${symmetric}` }), /algorithm is not accepted/);
  assertRejected(await check(options, { authorization: "Bearer not.a.jwt" }), /not a valid JWT/);
  assertRejected(await check(options, {}), /no token presented/);
});

test("JWT against a JWKS URL served over HTTP", async () => {
  const jwks = JSON.stringify({
    keys: [{ ...createPublicKey(signingKey).export({ format: "jwk" }), kid: "k1" }],
  });
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid/v1/jwks`;
    const options: AuthenticateOptions = { auth: { jwks: { url }, audience: "outrigger" }, now: () => now };
    assert.equal(await check(options, { authorization: `Bearer ${await jwt()}` }), 200);
    assertRejected(
      await check(options, { authorization: `Bearer ${await jwt({ aud: "other" })}` }),
      /'aud' claim/,
    );
    assert.ok(fetches >= 1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
