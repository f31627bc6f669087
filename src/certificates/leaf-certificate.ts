// Mints a TLS server leaf for one host, signed by the pod CA: ECDSA P-256, SAN = host, serverAuth only.
import { webcrypto } from "node:crypto";
import {
  type CertificateAuthority,
  clockSkewAllowance,
  randomSerialNumber,
  x509Crypto,
} from "./certificate-authority.ts";
import { hostPermitted, normalizeHost } from "./name-constraints.ts";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from "./x509.ts";

export interface LeafCertificate {
  readonly host: string;
  readonly certificatePem: string;
  /** PKCS#8 PEM; lives only in memory (in the TLS secure context), never written or logged. */
  readonly privateKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface MintLeafOptions {
  readonly now?: () => Date;
  /** Milliseconds (config `intercept.leafValidity`). */
  readonly validity: number;
}

/** Refuses a host outside the CA's name constraints: clients would reject that leaf anyway. */
export async function mintLeafCertificate(
  authority: CertificateAuthority,
  host: string,
  options: MintLeafOptions,
): Promise<LeafCertificate> {
  const name = normalizeHost(host);
  if (authority.permittedHosts.length > 0 && !hostPermitted(name, authority.permittedHosts)) {
    throw new Error(`host '${name}' lies outside the pod CA's name constraints`);
  }
  const now = (options.now ?? (() => new Date()))().getTime();
  const notBefore = new Date(now - clockSkewAllowance);
  // A leaf never outlives its issuer: clients would reject the chain at the CA's expiry anyway.
  const notAfter = new Date(Math.min(now + options.validity, authority.certificate.notAfter.getTime()));
  const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const caKeyId = authority.certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyIdentifier =
    caKeyId === undefined
      ? await AuthorityKeyIdentifierExtension.create(authority.certificate.publicKey, false, x509Crypto)
      : new AuthorityKeyIdentifierExtension(caKeyId, false);
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: `CN=${name}`,
      issuer: authority.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: authority.privateKey,
      signingAlgorithm: authority.signingAlgorithm,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth], false),
        new SubjectAlternativeNameExtension([{ type: "dns", value: name }], false),
        authorityKeyIdentifier,
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    host: name,
    certificatePem: certificate.toString("pem"),
    privateKeyPem: PemConverter.encode(pkcs8, "PRIVATE KEY"),
    notBefore,
    notAfter,
  };
}
