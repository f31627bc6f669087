// jwt source: tokens signed with jose verify with the matching key, carry the claims, and are re-signed ahead of expiry.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeProtectedHeader, jwtVerify } from "jose";
import type { Credential } from "../../src/credentials/credential.ts";
import { createJwtSource, type JwtCredentialConfig } from "../../src/credentials/jwt-source.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { ManualClock } from "./manual-clock.ts";
import { waitUntil } from "./wait-until.ts";

let directory = "";
before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-jwt-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function config(overrides: Partial<JwtCredentialConfig>): JwtCredentialConfig {
  return {
    algorithm: "HS512",
    key: { env: "TEST_JWT_SECRET" },
    claims: { iss: "app", sub: "svc", aud: "gateway", team: "search" },
    lifetime: 60 * 60_000,
    refreshBefore: 5 * 60_000,
    header: "authorization",
    ...overrides,
  };
}

function tokenOf(credential: Credential): string {
  assert.equal(credential.kind, "token");
  return credential.kind === "token" ? credential.token : "";
}

for (const algorithm of ["HS256", "HS384", "HS512"] as const) {
  test(`${algorithm} from an env secret: verifiable, claims kept, iat/exp/jti set`, async () => {
    const clock = new ManualClock(Date.now());
    const secret = "a-long-shared-secret-for-hmac-signing-0123456789abcdef";
    const source = createJwtSource(config({ algorithm }), { env: { TEST_JWT_SECRET: `${secret}\n` }, clock });
    const credential = await source.current();
    const { payload, protectedHeader } = await jwtVerify(
      tokenOf(credential),
      new TextEncoder().encode(secret),
      {
        issuer: "app",
        audience: "gateway",
        currentDate: new Date(clock.now()),
      },
    );
    assert.equal(protectedHeader.alg, algorithm);
    assert.equal(payload.sub, "svc");
    assert.equal(payload.team, "search");
    assert.equal(typeof payload.jti, "string");
    assert.equal(payload.iat, Math.floor(clock.now() / 1000));
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);
    assert.equal(credential.expiresAt, (payload.exp ?? 0) * 1000);
    assert.ok(
      credential.kind === "token" && credential.style === "bearer" && credential.header === undefined,
    );
    source.close();
  });
}

test("RS256 from a PEM file; re-signed with a new jti ahead of expiry", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const file = join(directory, "rsa.pem");
  await writeFile(file, privateKey.export({ type: "pkcs1", format: "pem" }));
  const clock = new ManualClock(Date.now());
  let refreshed = 0;
  const source = createJwtSource(config({ algorithm: "RS256", key: { file }, lifetime: 10 * 60_000 }), {
    clock,
    random: () => 0,
    listener: (event) => {
      if (event.type === "refreshed") refreshed += 1;
    },
  });
  const first = await source.current();
  const verified = await jwtVerify(tokenOf(first), publicKey, { currentDate: new Date(clock.now()) });
  assert.equal(verified.protectedHeader.alg, "RS256");
  await clock.advance(5 * 60_000); // refreshBefore 5 min = half of the 10 min lifetime
  // RSA signing runs on the thread pool: wait for the background refresh itself, not a fixed number of ticks.
  await waitUntil(() => refreshed === 2);
  const second = await source.current();
  assert.notEqual(tokenOf(second), tokenOf(first));
  const again = await jwtVerify(tokenOf(second), publicKey, { currentDate: new Date(clock.now()) });
  assert.notEqual(again.payload.jti, verified.payload.jti);
  source.close();
});

test("ES256 from a JWK file carries its kid; a custom header is named on the credential", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const file = join(directory, "ec.jwk.json");
  await writeFile(file, JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid: "key-7" }));
  const source = createJwtSource(config({ algorithm: "ES256", key: { file }, header: "X-Gateway-Token" }));
  const credential = await source.current();
  assert.equal(decodeProtectedHeader(tokenOf(credential)).kid, "key-7");
  await jwtVerify(tokenOf(credential), publicKey);
  assert.ok(credential.kind === "token" && credential.header === "x-gateway-token");
  source.close();
});

test("a missing secret or a key of the wrong type fails with the origin named and nothing secret", async () => {
  const missing = createJwtSource(config({}), { env: {} });
  await assert.rejects(missing.current(), (error: unknown) => {
    assert.ok(error instanceof ProxyError && error.code === "credential_refresh_failed");
    assert.match(error.message, /TEST_JWT_SECRET/);
    return true;
  });
  assert.equal(missing.status().available, false);
  missing.close();

  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const file = join(directory, "ec.pem");
  await writeFile(file, pem);
  const mismatched = createJwtSource(config({ algorithm: "RS256", key: { file } }));
  await assert.rejects(mismatched.current(), (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.match(error.message, /RS256/);
    assert.match(error.message, /ec\.pem/);
    assert.doesNotMatch(error.message, /PRIVATE KEY|MIG/);
    return true;
  });
  mismatched.close();
});
