// The host-alias door: curl --resolve the provider's real name to the sidecar; SNI picks the provider; unknown SNI is refused.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { createServer as createTlsServer, connect as tlsConnect } from "node:tls";
import { loadCertificateAuthority, x509Crypto } from "../../src/certificates/certificate-authority.ts";
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from "../../src/certificates/x509.ts";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import { upstreamKeys } from "../support/sidecar-harness.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

let harness: InterceptHarness;

before(async () => {
  harness = await startInterceptHarness();
});
after(async () => {
  await harness?.close();
});

function curl(args: readonly string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "20", ...args],
      { encoding: "buffer", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : Number((error as { code?: unknown }).code ?? 1),
          stdout,
          stderr: stderr.toString(),
        });
      },
    );
  });
}

/** `trustAnything` makes a failure the server's refusal, not the client's distrust. */
function handshake(
  servername: string | undefined,
  trustAnything = false,
): Promise<{ authorized: boolean; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: harness.tlsPort,
      ca: readFileSync(harness.caFile, "utf8"),
      ALPNProtocols: ["h2", "http/1.1"],
      rejectUnauthorized: !trustAnything,
      ...(servername === undefined ? { checkServerIdentity: () => undefined } : { servername }),
    });
    socket.once("secureConnect", () => {
      resolve({ authorized: socket.authorized, alpn: socket.alpnProtocol });
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

test("curl --resolve api.deepseek.com to the sidecar: SNI picks deepseek, key injected, stream byte for byte", async () => {
  const fixture = new FixtureStore().lookup("deepseek/deepseek-text", true);
  assert.ok(fixture.found);
  const before = harness.finished.length;
  const result = await curl([
    "-N",
    "--resolve",
    `api.deepseek.com:${harness.tlsPort}:127.0.0.1`,
    "--cacert",
    harness.caFile,
    `https://api.deepseek.com:${harness.tlsPort}/chat/completions`,
    "-H",
    "content-type: application/json",
    "-H",
    "authorization: Bearer placeholder-in-the-app",
    "-H",
    "x-simulator-fixture: deepseek/deepseek-text",
    "-d",
    JSON.stringify({ model: "deepseek-chat", stream: true, messages: [{ role: "user", content: "hi" }] }),
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.equals(Buffer.concat(fixture.fixture.chunks)), "stream unchanged");
  const seen = harness.simulator.requests.at(-1);
  assert.equal(seen?.headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
  assert.equal(seen?.path, "/chat/completions");
  const [exchange] = (await harness.waitFinished(before + 1)).slice(before);
  assert.equal(exchange?.request.door, "tls");
  assert.equal(exchange?.request.host, "api.deepseek.com");
  assert.equal(exchange?.route?.provider.id, "deepseek");
});

test("another SNI on the same port reaches another provider", async () => {
  const result = await curl([
    "--resolve",
    `api.anthropic.com:${harness.tlsPort}:127.0.0.1`,
    "--cacert",
    harness.caFile,
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    `https://api.anthropic.com:${harness.tlsPort}/v1/messages`,
    "-H",
    "content-type: application/json",
    "-H",
    "anthropic-version: 2023-06-01",
    "-d",
    JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    }),
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.toString(), "200");
  assert.equal(harness.simulator.requests.at(-1)?.headers["x-api-key"], upstreamKeys.anthropic);
});

test("the door negotiates http/1.1 by ALPN and its leaf is trusted through the pod CA", async () => {
  const outcome = await handshake("api.openai.com");
  assert.equal(outcome.authorized, true);
  assert.equal(outcome.alpn, "http/1.1");
});

test("an SNI no provider claims, or no SNI at all, is refused at the handshake", async () => {
  await assert.rejects(
    handshake("www.example.com", true),
    /alert|handshake|socket hang up|ECONNRESET|before secure TLS connection/i,
  );
  await assert.rejects(
    handshake(undefined, true),
    /alert|handshake|socket hang up|ECONNRESET|before secure TLS connection/i,
  );
  const viaCurl = await curl([
    "--resolve",
    `www.example.com:${harness.tlsPort}:127.0.0.1`,
    "--cacert",
    harness.caFile,
    `https://www.example.com:${harness.tlsPort}/`,
  ]);
  assert.notEqual(viaCurl.code, 0);
  assert.equal(
    harness.simulator.requests.filter((request) => request.headers.host === "www.example.com").length,
    0,
  );
  // The door still serves afterwards.
  assert.equal((await handshake("api.openai.com")).authorized, true);
});

test("curl refuses a leaf outside the CA's name constraints even when signed with the real CA key", async () => {
  const authority = await loadCertificateAuthority(
    readFileSync(harness.caFile, "utf8"),
    readFileSync(`${harness.caDirectory}/ca-key.pem`, "utf8"),
  );
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const forged = await X509CertificateGenerator.create(
    {
      serialNumber: "0badc0de",
      subject: "CN=www.example.com",
      issuer: authority.certificate.subjectName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      publicKey: keys.publicKey,
      signingKey: authority.privateKey,
      signingAlgorithm: authority.signingAlgorithm,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([{ type: "dns", value: "www.example.com" }]),
      ],
    },
    x509Crypto,
  );
  const keyPem = PemConverter.encode(await crypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  const server = createTlsServer({ key: keyPem, cert: forged.toString("pem") }, (socket) => socket.end());
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const result = await curl([
      "--resolve",
      `www.example.com:${port}:127.0.0.1`,
      "--cacert",
      harness.caFile,
      `https://www.example.com:${port}/`,
    ]);
    assert.equal(result.code, 60, result.stderr);
    assert.match(result.stderr, /subtree|certificate/i);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
