// Leaf cache: one mint per host shared by concurrent handshakes, renewal before expiry, and a real TLS handshake trusted via the CA.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import { createCertificateAuthority } from "../../src/certificates/certificate-authority.ts";
import { LeafCache } from "../../src/certificates/leaf-cache.ts";

const hosts = ["api.anthropic.com", "api.openai.com"];
const hour = 60 * 60 * 1000;

test("concurrent requests for one host share one leaf; another host gets its own", async () => {
  const { authority } = await createCertificateAuthority({ hosts });
  const cache = new LeafCache({ authority, validity: 24 * hour });
  const [first, second] = await Promise.all([
    cache.leafFor("api.openai.com"),
    cache.leafFor("API.OPENAI.COM"),
  ]);
  assert.equal(first.context, second.context);
  assert.equal(first.leaf.certificatePem, second.leaf.certificatePem);
  const third = await cache.leafFor("api.openai.com");
  assert.equal(third.context, first.context);
  const other = await cache.leafFor("api.anthropic.com");
  assert.notEqual(other.leaf.certificatePem, first.leaf.certificatePem);
  assert.deepEqual(
    cache.summaries().map((summary) => summary.host),
    ["api.anthropic.com", "api.openai.com"],
  );
});

test("a leaf is renewed once the clock passes validity minus renewBefore, not before", async () => {
  let now = new Date("2026-01-01T00:00:00Z");
  const { authority } = await createCertificateAuthority({ hosts, now: () => now });
  const cache = new LeafCache({ authority, validity: 4 * hour, renewBefore: hour, now: () => now });
  const original = await cache.leafFor("api.openai.com");
  now = new Date(now.getTime() + 2 * hour + 59 * 60 * 1000);
  assert.equal(
    (await cache.leafFor("api.openai.com")).leaf,
    original.leaf,
    "still inside the renewal margin",
  );
  now = new Date(now.getTime() + 2 * 60 * 1000);
  const renewed = await cache.leafFor("api.openai.com");
  assert.notEqual(renewed.leaf, original.leaf);
  assert.ok(renewed.leaf.notAfter > original.leaf.notAfter);
});

test("a failed mint is not cached", async () => {
  const { authority } = await createCertificateAuthority({ hosts });
  const cache = new LeafCache({ authority, validity: hour });
  await assert.rejects(cache.leafFor("www.example.com"), /outside/);
  await assert.rejects(cache.leafFor("www.example.com"), /outside/);
  assert.deepEqual(cache.summaries(), []);
});

async function handshake(port: number, options: { servername: string; ca?: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", ...options });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
}

test("a Node TLS client that trusts the CA accepts the leaf served by SNI; one without the CA refuses it", async () => {
  const { authority } = await createCertificateAuthority({ hosts });
  const cache = new LeafCache({ authority, validity: 24 * hour });
  const server = createServer({
    SNICallback: (servername, callback) => {
      cache.secureContextFor(servername).then(
        (context) => callback(null, context),
        (error: Error) => callback(error),
      );
    },
  });
  server.on("secureConnection", (socket) => socket.end("hello"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const trusted = await handshake(port, { servername: "api.anthropic.com", ca: authority.certificatePem });
    assert.equal(trusted.authorized, true);
    assert.equal(trusted.getPeerCertificate().subjectaltname, "DNS:api.anthropic.com");
    assert.equal(trusted.getProtocol()?.startsWith("TLSv1."), true);
    trusted.destroy();
    await assert.rejects(
      handshake(port, { servername: "api.anthropic.com" }),
      /unable to (verify|get local issuer)/i,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
