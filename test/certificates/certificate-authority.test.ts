// The pod CA and its leaves, checked by @peculiar/x509, by OpenSSL (`openssl x509`, `openssl verify`) and by a Node TLS client.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import {
  type CertificateAuthority,
  createCertificateAuthority,
  loadCertificateAuthority,
  x509Crypto,
} from "../../src/certificates/certificate-authority.ts";
import { mintLeafCertificate } from "../../src/certificates/leaf-certificate.ts";
import { constrainableHosts, readNameConstraints } from "../../src/certificates/name-constraints.ts";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "../../src/certificates/x509.ts";

const run = promisify(execFile);
const hosts = ["api.anthropic.com", "api.deepseek.com", "api.openai.com"];
const day = 24 * 60 * 60 * 1000;
let directory = "";
let authority: CertificateAuthority;
let privateKeyPem = "";
let caFile = "";

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "outrigger-ca-"));
  ({ authority, privateKeyPem } = await createCertificateAuthority({ hosts }));
  caFile = join(directory, "ca.pem");
  await writeFile(caFile, authority.certificatePem);
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** `openssl verify` against the pod CA alone; resolves to its combined output and whether it accepted. */
async function opensslVerify(leafPem: string, name: string): Promise<{ ok: boolean; output: string }> {
  const leafFile = join(directory, `${name}.pem`);
  await writeFile(leafFile, leafPem);
  try {
    const { stdout, stderr } = await run("openssl", ["verify", "-CAfile", caFile, leafFile]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

/** A leaf signed with the CA key directly, bypassing mintLeafCertificate's own host check. */
async function mintByHand(san: { type: "dns" | "ip"; value: string }): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: "01",
      subject: `CN=${san.value}`,
      issuer: authority.certificate.subjectName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + day),
      publicKey: keys.publicKey,
      signingKey: authority.privateKey,
      signingAlgorithm: authority.signingAlgorithm,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([san]),
      ],
    },
    x509Crypto,
  );
  return certificate.toString("pem");
}

test("the CA carries critical basicConstraints CA:TRUE pathlen 0, keyCertSign+cRLSign and name constraints", () => {
  const certificate = new X509Certificate(authority.certificatePem);
  const basic = certificate.getExtension(BasicConstraintsExtension);
  assert.ok(basic);
  assert.equal(basic.ca, true);
  assert.equal(basic.pathLength, 0);
  assert.equal(basic.critical, true);
  const usage = certificate.getExtension(KeyUsagesExtension);
  assert.ok(usage);
  assert.equal(usage.usages, KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
  assert.equal(usage.critical, true);
  const constraints = readNameConstraints(certificate);
  assert.ok(constraints);
  assert.equal(constraints.critical, true);
  assert.deepEqual(constraints.permittedHosts, hosts);
  assert.deepEqual(constraints.excludedRanges, ["0.0.0.0/0", "::/0"]);
  assert.ok(certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId);
  assert.equal(certificate.publicKey.algorithm.name, "ECDSA");
  assert.equal((certificate.publicKey.algorithm as { namedCurve?: string }).namedCurve, "P-256");
  assert.equal(certificate.subject, certificate.issuer);
  assert.match(authority.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

test("openssl x509 -text reads the same extensions", async () => {
  const { stdout } = await run("openssl", [
    "x509",
    "-in",
    caFile,
    "-noout",
    "-text",
    "-fingerprint",
    "-sha256",
  ]);
  assert.match(stdout, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(stdout, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.match(
    stdout,
    /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:api\.anthropic\.com\s+DNS:api\.deepseek\.com\s+DNS:api\.openai\.com\s+Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0/,
  );
  assert.match(stdout, /X509v3 Subject Key Identifier/);
  assert.match(stdout, /ASN1 OID: prime256v1/);
  assert.ok(
    stdout.includes(`Fingerprint=${authority.fingerprint}`),
    "openssl's SHA-256 fingerprint matches ours",
  );
});

test("a minted leaf: SAN = host, serverAuth, AKI = CA SKI, validity from the option, notBefore set back for skew", async () => {
  const now = new Date();
  const leaf = await mintLeafCertificate(authority, "API.Anthropic.com", { validity: day, now: () => now });
  const certificate = new X509Certificate(leaf.certificatePem);
  assert.deepEqual(certificate.getExtension(SubjectAlternativeNameExtension)?.names.toJSON(), [
    { type: "dns", value: "api.anthropic.com" },
  ]);
  assert.deepEqual(
    [...(certificate.getExtension(ExtendedKeyUsageExtension)?.usages ?? [])],
    [ExtendedKeyUsage.serverAuth],
  );
  assert.equal(certificate.getExtension(BasicConstraintsExtension)?.ca, false);
  assert.equal(
    certificate.getExtension(AuthorityKeyIdentifierExtension)?.keyId,
    authority.certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId,
  );
  assert.equal((certificate.publicKey.algorithm as { namedCurve?: string }).namedCurve, "P-256");
  // X.509 times have whole seconds.
  assert.equal(Math.floor(certificate.notAfter.getTime() / 1000), Math.floor((now.getTime() + day) / 1000));
  assert.ok(certificate.notBefore.getTime() <= now.getTime() - 60_000, "notBefore allows for clock skew");
  assert.ok(now.getTime() - certificate.notBefore.getTime() < 60 * 60 * 1000, "but not by hours");
  assert.equal(
    await certificate.verify({ publicKey: authority.certificate.publicKey, signatureOnly: true }, x509Crypto),
    true,
  );
  const verdict = await opensslVerify(leaf.certificatePem, "allowed");
  assert.equal(verdict.ok, true, verdict.output);
  assert.match(verdict.output, /: OK/);
});

test("openssl verify rejects a leaf for a host outside the name constraints, even minted by hand with the CA key", async () => {
  const outside = await mintByHand({ type: "dns", value: "www.example.com" });
  const verdict = await opensslVerify(outside, "outside");
  assert.equal(verdict.ok, false, verdict.output);
  assert.match(verdict.output, /permitted subtree violation/);
  // A look-alike suffix is not inside the subtree either.
  const lookalike = await mintByHand({ type: "dns", value: "evilapi.openai.com" });
  assert.match((await opensslVerify(lookalike, "lookalike")).output, /permitted subtree violation/);
  // And an IP SAN is excluded outright.
  const ip = await mintByHand({ type: "ip", value: "10.0.0.1" });
  const ipVerdict = await opensslVerify(ip, "ip");
  assert.equal(ipVerdict.ok, false, ipVerdict.output);
  assert.match(ipVerdict.output, /excluded subtree violation/);
  // The control: the same hand-made path for a permitted host passes, so the refusals are the constraints'.
  const inside = await mintByHand({ type: "dns", value: "api.deepseek.com" });
  assert.equal((await opensslVerify(inside, "inside")).ok, true);
});

test("mintLeafCertificate refuses hosts outside the constraints and malformed names", async () => {
  await assert.rejects(
    mintLeafCertificate(authority, "www.example.com", { validity: day }),
    /outside the pod CA's name constraints/,
  );
  await assert.rejects(mintLeafCertificate(authority, "127.0.0.1", { validity: day }), /not a DNS host name/);
  await assert.rejects(
    mintLeafCertificate(authority, "api openai com", { validity: day }),
    /not a DNS host name/,
  );
});

test("a leaf never outlives its CA", async () => {
  const now = new Date();
  const shortLived = await createCertificateAuthority({ hosts, now: () => now, validity: 60 * 60 * 1000 });
  const leaf = await mintLeafCertificate(shortLived.authority, "api.openai.com", {
    validity: 30 * day,
    now: () => now,
  });
  assert.ok(leaf.notAfter.getTime() <= shortLived.authority.certificate.notAfter.getTime());
});

test("loading: the new CA's key round-trips, a mismatched key or a non-CA certificate is refused without quoting the key", async () => {
  const reloaded = await loadCertificateAuthority(authority.certificatePem, privateKeyPem);
  assert.equal(reloaded.fingerprint, authority.fingerprint);
  assert.deepEqual(reloaded.permittedHosts, hosts);
  const other = await createCertificateAuthority({ hosts });
  await assert.rejects(
    loadCertificateAuthority(authority.certificatePem, other.privateKeyPem),
    (error: Error) => {
      assert.match(error.message, /does not match/);
      assert.ok(!error.message.includes(other.privateKeyPem.split("\n")[1] ?? "unreachable"));
      return true;
    },
  );
  const leaf = await mintLeafCertificate(authority, "api.openai.com", { validity: day });
  await assert.rejects(loadCertificateAuthority(leaf.certificatePem, leaf.privateKeyPem), /CA:TRUE/);
  await assert.rejects(
    loadCertificateAuthority(authority.certificatePem, "not a key"),
    /could not be parsed/,
  );
});

test("a CA made by openssl (RSA, SEC1-free PKCS#8, no name constraints) still signs leaves openssl accepts", async () => {
  const keyFile = join(directory, "rsa-ca-key.pem");
  const certFile = join(directory, "rsa-ca.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=Operator CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  const { readFile } = await import("node:fs/promises");
  const rsa = await loadCertificateAuthority(
    await readFile(certFile, "utf8"),
    await readFile(keyFile, "utf8"),
  );
  assert.deepEqual(rsa.permittedHosts, []);
  const leaf = await mintLeafCertificate(rsa, "api.anthropic.com", { validity: day });
  const leafFile = join(directory, "rsa-leaf.pem");
  await writeFile(leafFile, leaf.certificatePem);
  const { stdout } = await run("openssl", ["verify", "-CAfile", certFile, leafFile]);
  assert.match(stdout, /: OK/);
});

test("claimed hosts: IPs cannot be constrained and are skipped; wildcards permit their subtree; Service names are fine", () => {
  assert.deepEqual(
    constrainableHosts([
      "api.openai.com",
      "127.0.0.1",
      "::1",
      "*.openai.azure.com",
      "ollama",
      "API.OpenAI.com",
      "bad host",
    ]),
    { hosts: ["api.openai.com", "ollama", "openai.azure.com"], skipped: ["127.0.0.1", "::1", "bad host"] },
  );
});
