// RFC 7523 with a Google service-account JSON, against a token endpoint that verifies the RS256 assertion with jose.
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { createOAuth2JwtBearerSource } from "../../src/credentials/oauth2-jwt-bearer-source.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { startFakeTokenEndpoint, type TokenCall } from "./fake-token-endpoint.ts";

const scope = "https://www.googleapis.com/auth/cloud-platform";
const clientEmail = "outrigger@my-project.iam.gserviceaccount.com";
let directory = "";
let publicKey: KeyObject;
let privatePem = "";

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-sa-"));
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  publicKey = pair.publicKey;
  privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function serviceAccountFile(tokenUri: string | undefined): Promise<string> {
  const file = join(directory, `sa-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(
    file,
    JSON.stringify({
      type: "service_account",
      project_id: "my-project",
      private_key_id: "kid-123",
      private_key: privatePem,
      client_email: clientEmail,
      ...(tokenUri === undefined ? {} : { token_uri: tokenUri }),
    }),
  );
  return file;
}

/** Google's token endpoint, as far as the grant goes: verifies the assertion's signature and claims. */
function googleTokenEndpoint(expectedAudience: () => string) {
  return async (call: TokenCall) => {
    if (call.form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return { status: 400, body: { error: "unsupported_grant_type" } };
    }
    const assertion = call.form.get("assertion") ?? "";
    try {
      const { payload } = await jwtVerify(assertion, publicKey, {
        algorithms: ["RS256"],
        issuer: clientEmail,
        audience: expectedAudience(),
        maxTokenAge: "1h",
      });
      if (payload.scope !== scope) return { status: 400, body: { error: "invalid_scope" } };
      if (decodeProtectedHeader(assertion).kid !== "kid-123")
        return { status: 400, body: { error: "invalid_grant" } };
    } catch (error) {
      return {
        status: 400,
        body: { error: "invalid_grant", error_description: `Invalid JWT: ${String(error)}` },
      };
    }
    return {
      status: 200,
      body: { access_token: "ya29.test-access-token", expires_in: 3599, token_type: "Bearer" },
    };
  };
}

test("exchanges a verified RS256 assertion at the service account's token_uri", async () => {
  let url = "";
  const endpoint = await startFakeTokenEndpoint(googleTokenEndpoint(() => url));
  url = endpoint.url;
  const file = await serviceAccountFile(endpoint.url);
  const source = createOAuth2JwtBearerSource({ grant: "jwt_bearer", serviceAccount: { file }, scope });
  try {
    const before = Date.now();
    const credential = await source.current();
    assert.ok(credential.kind === "token");
    assert.equal(credential.token, "ya29.test-access-token");
    assert.equal(credential.style, "bearer");
    assert.ok(
      (credential.expiresAt ?? 0) >= before + 3_599_000 &&
        (credential.expiresAt ?? 0) <= Date.now() + 3_599_000,
    );
    assert.equal(endpoint.calls.length, 1);
  } finally {
    source.close();
    await endpoint.close();
  }
});

test("tokenUrl from the config overrides the file's token_uri and is the assertion's audience", async () => {
  let url = "";
  const endpoint = await startFakeTokenEndpoint(googleTokenEndpoint(() => url));
  url = endpoint.url;
  const file = await serviceAccountFile(undefined);
  const source = createOAuth2JwtBearerSource({
    grant: "jwt_bearer",
    serviceAccount: { file },
    tokenUrl: endpoint.url,
    scope,
  });
  try {
    const credential = await source.current();
    assert.ok(credential.kind === "token" && credential.token === "ya29.test-access-token");
  } finally {
    source.close();
    await endpoint.close();
  }
});

test("an assertion the endpoint rejects, or an unusable file, fails without leaking the assertion or key", async () => {
  const endpoint = await startFakeTokenEndpoint(
    googleTokenEndpoint(() => "https://oauth2.googleapis.com/token"),
  );
  const file = await serviceAccountFile(endpoint.url);
  const rejected = createOAuth2JwtBearerSource({ grant: "jwt_bearer", serviceAccount: { file }, scope });
  try {
    await assert.rejects(rejected.current(), (error: unknown) => {
      assert.ok(error instanceof ProxyError);
      assert.match(error.message, /answered 400 invalid_grant/);
      assert.doesNotMatch(error.message, /eyJ/);
      return true;
    });
    assert.equal(rejected.status().available, false);
  } finally {
    rejected.close();
    await endpoint.close();
  }

  const broken = join(directory, "broken.json");
  await writeFile(broken, JSON.stringify({ client_email: clientEmail, private_key: "not a key" }));
  const unusable = createOAuth2JwtBearerSource({
    grant: "jwt_bearer",
    serviceAccount: { file: broken },
    scope,
  });
  await assert.rejects(
    unusable.current(),
    /broken\.json is not usable: private_key is not a PEM private key/,
  );
  unusable.close();
});
