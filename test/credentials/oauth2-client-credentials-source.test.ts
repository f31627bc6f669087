// OAuth2 client_credentials against a local token endpoint: both auth methods, expires_in, single flight, outage.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CredentialEvent } from "../../src/credentials/credential-events.ts";
import {
  type ClientCredentialsConfig,
  createOAuth2ClientCredentialsSource,
} from "../../src/credentials/oauth2-client-credentials-source.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { startFakeTokenEndpoint, type TokenCall } from "./fake-token-endpoint.ts";
import { ManualClock, settle } from "./manual-clock.ts";
import { waitUntil } from "./wait-until.ts";

const env = { IDP_CLIENT_ID: "outrigger client", IDP_CLIENT_SECRET: "s3cr3t/value+x" };

function config(url: string, authMethod: ClientCredentialsConfig["authMethod"]): ClientCredentialsConfig {
  return {
    grant: "client_credentials",
    tokenUrl: `${url}?tenant=t1`,
    clientId: { env: "IDP_CLIENT_ID" },
    clientSecret: { env: "IDP_CLIENT_SECRET" },
    scope: "llm.invoke",
    audience: "https://gateway.internal",
    authMethod,
  };
}

/** Accepts the client either way RFC 6749 §2.3.1 allows, and numbers its tokens. */
function identityProvider(expiresIn = 3600) {
  let issued = 0;
  return (call: TokenCall) => {
    const basic = call.headers.authorization?.startsWith("Basic ")
      ? Buffer.from(call.headers.authorization.slice(6), "base64").toString()
      : undefined;
    const [id, secret] =
      basic === undefined
        ? [call.form.get("client_id"), call.form.get("client_secret")]
        : basic.split(":").map((part) => decodeURIComponent(part.replace(/\+/g, " ")));
    if (
      call.form.get("grant_type") !== "client_credentials" ||
      id !== env.IDP_CLIENT_ID ||
      secret !== env.IDP_CLIENT_SECRET
    ) {
      return {
        status: 401,
        body: { error: "invalid_client", error_description: `bad credentials ${secret}` },
      };
    }
    issued += 1;
    return {
      status: 200,
      body: { access_token: `access-${issued}`, token_type: "Bearer", expires_in: expiresIn },
    };
  };
}

for (const authMethod of ["client_secret_post", "client_secret_basic"] as const) {
  test(`${authMethod}: a token from the endpoint, expires_in honoured, scope and audience sent`, async () => {
    const endpoint = await startFakeTokenEndpoint(identityProvider(1800));
    const clock = new ManualClock(Date.now());
    const source = createOAuth2ClientCredentialsSource(config(endpoint.url, authMethod), { env, clock });
    try {
      const credential = await source.current();
      assert.ok(credential.kind === "token");
      assert.equal(credential.token, "access-1");
      assert.equal(credential.style, "bearer");
      assert.equal(credential.expiresAt, clock.now() + 1_800_000);
      const [call] = endpoint.calls;
      assert.equal(call?.form.get("scope"), "llm.invoke");
      assert.equal(call?.form.get("audience"), "https://gateway.internal");
      assert.equal(call?.form.has("client_secret"), authMethod === "client_secret_post");
      assert.equal(
        call?.headers.authorization?.startsWith("Basic ") === true,
        authMethod === "client_secret_basic",
      );
      assert.doesNotMatch(source.description, /tenant|s3cr3t/);
    } finally {
      source.close();
      await endpoint.close();
    }
  });
}

test("20 concurrent current() calls at a refresh make exactly one request to the endpoint", async () => {
  const answer = identityProvider(600);
  let gate: Promise<void> | undefined;
  const endpoint = await startFakeTokenEndpoint(async (call) => {
    await gate;
    return answer(call);
  });
  const clock = new ManualClock(Date.now());
  const source = createOAuth2ClientCredentialsSource(config(endpoint.url, "client_secret_post"), {
    env,
    clock,
    refreshBefore: 0,
  });
  try {
    const first = await Promise.all(Array.from({ length: 20 }, () => source.current()));
    assert.equal(endpoint.calls.length, 1);
    assert.ok(first.every((credential) => credential.kind === "token" && credential.token === "access-1"));

    let release = (): void => {};
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await clock.advance(600_000); // at expiry the refresh starts and the endpoint holds its answer
    await waitUntil(() => endpoint.calls.length === 2);
    const later = Array.from({ length: 20 }, () => source.current());
    release();
    const credentials = await Promise.all(later);
    assert.equal(endpoint.calls.length, 2);
    assert.ok(
      credentials.every((credential) => credential.kind === "token" && credential.token === "access-2"),
    );
  } finally {
    source.close();
    await endpoint.close();
  }
});

test("endpoint down: the old token until expiry, then a clear error and available=false", async () => {
  const endpoint = await startFakeTokenEndpoint(identityProvider(600));
  const clock = new ManualClock(Date.now());
  const events: CredentialEvent[] = [];
  const source = createOAuth2ClientCredentialsSource(config(endpoint.url, "client_secret_post"), {
    env,
    clock,
    random: () => 0,
    listener: (event) => events.push(event),
  });
  try {
    const first = await source.current();
    await endpoint.close();
    await clock.advance(300_000); // the refresh window opens at half the 10 min lifetime
    await waitUntil(() => events.some((event) => event.type === "refresh-failed"));
    assert.equal((await source.current()).keyId, first.keyId);
    assert.equal(source.status().available, true);

    await clock.advance(300_000);
    await settle();
    const error = await source.current().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, "credential_refresh_failed");
    assert.match(error.message, /oauth2 client_credentials http:\/\/127\.0\.0\.1:\d+\/oauth2\/token/);
    assert.match(error.message, /unreachable/);
    assert.doesNotMatch(error.message, /access-1|s3cr3t/);
    assert.equal(source.status().available, false);
  } finally {
    source.close();
  }
});

test("an IdP error is summarized with its code, never echoing the client secret", async () => {
  const endpoint = await startFakeTokenEndpoint(identityProvider());
  const source = createOAuth2ClientCredentialsSource(config(endpoint.url, "client_secret_basic"), {
    env: { ...env, IDP_CLIENT_SECRET: "wrong-secret-value" },
  });
  try {
    await assert.rejects(source.current(), (error: unknown) => {
      assert.ok(error instanceof ProxyError);
      assert.match(error.message, /answered 401 invalid_client: bad credentials/);
      assert.doesNotMatch(error.message, /wrong-secret-value/);
      return true;
    });
  } finally {
    source.close();
    await endpoint.close();
  }
});
