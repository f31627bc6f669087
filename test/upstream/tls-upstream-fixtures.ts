// Throwaway CAs, leaves and local HTTPS servers for the upstream TLS tests.

import { webcrypto } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SecureVersion } from "node:tls";
import {
  type CertificateAuthority,
  createCertificateAuthority,
} from "../../src/certificates/certificate-authority.ts";
import { mintLeafCertificate } from "../../src/certificates/leaf-certificate.ts";
import {
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from "../../src/certificates/x509.ts";
import type { UpstreamClient } from "../../src/upstream/upstream-client.ts";

export interface TestCa {
  readonly authority: CertificateAuthority;
  readonly privateKeyPem: string;
  /** The CA certificate written to a temp file, as `tls.ca` takes it. */
  readonly file: string;
}

const directory = mkdtempSync(join(tmpdir(), "outrigger-upstream-tls-"));

export async function testCa(name: string): Promise<TestCa> {
  const { authority, privateKeyPem } = await createCertificateAuthority({ hosts: ["localhost"] });
  const file = join(directory, `${name}.pem`);
  writeFileSync(file, authority.certificatePem);
  return { authority, privateKeyPem, file };
}

/** A leaf for `localhost` signed by `ca`; `now` in the past makes an expired one. */
export async function leafFor(ca: TestCa, now?: Date): Promise<{ cert: string; key: string }> {
  const leaf = await mintLeafCertificate(ca.authority, "localhost", {
    validity: 60 * 60 * 1000,
    ...(now === undefined ? {} : { now: () => now }),
  });
  return { cert: leaf.certificatePem, key: leaf.privateKeyPem };
}

/** A self-signed server certificate for `localhost`, fit for serverAuth but issued by nobody. */
export async function selfSignedLeaf(): Promise<{ cert: string; key: string }> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: "01",
      name: "CN=localhost",
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 60 * 60 * 1000),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { cert: certificate.toString("pem"), key: PemConverter.encode(pkcs8, "PRIVATE KEY") };
}

export interface TestHttpsServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 that answers every request with 200 `ok`. */
export async function httpsServer(
  identity: { cert: string; key: string },
  maxVersion?: SecureVersion,
): Promise<TestHttpsServer> {
  const server = createServer(
    { ...identity, ...(maxVersion === undefined ? {} : { maxVersion }) },
    (request, response) => {
      request.resume();
      response.end("ok");
    },
  );
  // A failed handshake is what several tests are about; it must not crash the process.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves every name to 127.0.0.1, so `https://localhost:PORT` verifies against the leaf's SAN. */
export const loopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

/** One GET through the client, its body read: the status, or the error thrown. */
export async function getOnce(client: UpstreamClient): Promise<{ status: number; text: string }> {
  const response = await client.request({
    method: "GET",
    path: "/",
    headers: {},
    body: undefined,
    signal: AbortSignal.timeout(5_000),
  });
  let text = "";
  for await (const chunk of response.body) text += Buffer.from(chunk).toString();
  return { status: response.status, text };
}
