// A rejected upstream TLS certificate is its own coded error, never retried nor counted by the breaker.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { errorCodes } from "../../src/errors/error-codes.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { isBreakerFailure, isRetryable } from "../../src/resilience/is-retryable.ts";
import { createUndiciUpstreamClient } from "../../src/upstream/undici-upstream-client.ts";
import {
  getOnce,
  httpsServer,
  leafFor,
  loopback,
  selfSignedLeaf,
  type TestCa,
  testCa,
} from "./tls-upstream-fixtures.ts";

let ca1: TestCa;
let ca2: TestCa;
const servers: { close(): Promise<void> }[] = [];

before(async () => {
  ca1 = await testCa("reject-ca1");
  ca2 = await testCa("reject-ca2");
});
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serving(identity: { cert: string; key: string }): Promise<number> {
  const server = await httpsServer(identity);
  servers.push(server);
  return server.port;
}

/** The error one GET ends in, from a client trusting `ca` (or only the default store) at `host`. */
async function rejection(port: number, ca: TestCa | undefined, host = "localhost"): Promise<ProxyError> {
  const client = createUndiciUpstreamClient({
    baseUrl: `https://${host}:${port}`,
    tls: { minVersion: "TLSv1.2", ...(ca === undefined ? {} : { ca: ca.file }) },
    pool: { connections: 1, warm: 0 },
    connectTimeout: 2_000,
    lookup: loopback,
  });
  try {
    await getOnce(client);
  } catch (error) {
    assert.ok(error instanceof ProxyError, `a ProxyError, not ${String(error)}`);
    return error;
  } finally {
    await client.close();
  }
  assert.fail("the request should have been refused");
}

const cases: { name: string; verification: string; run: () => Promise<ProxyError> }[] = [
  {
    name: "a leaf from a CA nobody trusts",
    verification: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    run: async () => rejection(await serving(await leafFor(ca1)), undefined),
  },
  {
    name: "a leaf from another CA than tls.ca",
    verification: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    run: async () => rejection(await serving(await leafFor(ca1)), ca2),
  },
  {
    name: "a chain ending in a root nobody trusts",
    verification: "SELF_SIGNED_CERT_IN_CHAIN",
    run: async () => {
      const leaf = await leafFor(ca1);
      return rejection(
        await serving({ ...leaf, cert: `${leaf.cert.trim()}\n${ca1.authority.certificatePem}` }),
        undefined,
      );
    },
  },
  {
    name: "a self-signed server certificate",
    verification: "DEPTH_ZERO_SELF_SIGNED_CERT",
    run: async () => rejection(await serving(await selfSignedLeaf()), undefined),
  },
  {
    name: "a CA certificate (keyCertSign only) served as the server's own",
    verification: "INVALID_PURPOSE",
    run: async () =>
      rejection(await serving({ cert: ca1.authority.certificatePem, key: ca1.privateKeyPem }), undefined),
  },
  {
    name: "an expired leaf",
    verification: "CERT_HAS_EXPIRED",
    run: async () =>
      rejection(await serving(await leafFor(ca1, new Date(Date.now() - 48 * 60 * 60 * 1000))), ca1),
  },
  {
    name: "a trusted leaf for another host name",
    verification: "ERR_TLS_CERT_ALTNAME_INVALID",
    run: async () => rejection(await serving(await leafFor(ca1)), ca1, "127.0.0.1"),
  },
];

for (const entry of cases) {
  test(`${entry.name}: upstream_certificate_rejected (${entry.verification})`, async () => {
    const error = await entry.run();
    assert.equal(error.code, "upstream_certificate_rejected");
    assert.equal(error.status, 502);
    assert.equal(error.retryable, false);
    assert.match(error.message, new RegExp(entry.verification));
    assert.match(error.message, /https:\/\/(localhost|127\.0\.0\.1):\d+/, "the message names the origin");
  });
}

test("the verdict neither retries it nor counts it against the breaker", () => {
  assert.deepEqual(errorCodes.upstream_certificate_rejected, {
    status: 502,
    kind: "api_error",
    retryable: false,
  });
  const failure = { type: "error", code: "upstream_certificate_rejected" } as const;
  assert.equal(isRetryable(failure).retryable, false);
  assert.equal(isBreakerFailure(failure), false);
});
