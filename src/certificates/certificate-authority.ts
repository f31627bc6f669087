// The pod CA: creates a name-constrained ECDSA P-256 CA, or loads one from PEM, as a signing authority for leaves.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  webcrypto,
} from "node:crypto";
import { nameConstraintsExtension, normalizeHosts, readNameConstraints } from "./name-constraints.ts";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "./x509.ts";

/** The WebCrypto implementation handed to @peculiar/x509 explicitly, so no global provider is mutated. */
export const x509Crypto = webcrypto as unknown as Crypto;

/** `hash` for ECDSA signatures; RSA keys carry their hash in the imported key. */
export type SigningAlgorithm = { readonly name: string; readonly hash?: string };

export interface CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly certificatePem: string;
  /** Non-extractable once loaded; the PEM of a new CA is returned once, beside the authority, for writing. */
  readonly privateKey: CryptoKey;
  readonly signingAlgorithm: SigningAlgorithm;
  /** dNSName subtrees the CA is constrained to; empty means the CA carries no name constraints. */
  readonly permittedHosts: readonly string[];
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
  readonly fingerprint: string;
}

export interface CreateCertificateAuthorityOptions {
  readonly hosts: readonly string[];
  readonly now?: () => Date;
  /** Milliseconds; default ten years. */
  readonly validity?: number;
}

const defaultCaValidity = 10 * 365 * 24 * 60 * 60 * 1000;
/** notBefore sits this far in the past so a client whose clock lags still accepts a fresh certificate. */
export const clockSkewAllowance = 5 * 60 * 1000;
const ecdsaP256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** A positive 128-bit serial number in hex (the top bit cleared so DER does not read it as negative). */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

export function certificateFingerprint(certificate: X509Certificate): string {
  const digest = createHash("sha256").update(new Uint8Array(certificate.rawData)).digest("hex").toUpperCase();
  return digest.match(/../g)?.join(":") ?? digest;
}

/** Creates a fresh CA: CA:TRUE pathlen 0, keyCertSign + cRLSign, name constraints, all critical. */
export async function createCertificateAuthority(
  options: CreateCertificateAuthorityOptions,
): Promise<{ authority: CertificateAuthority; privateKeyPem: string }> {
  const hosts = normalizeHosts(options.hosts);
  const now = (options.now ?? (() => new Date()))().getTime();
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"]);
  const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" };
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: `CN=Outrigger pod CA ${randomBytes(4).toString("hex")}, O=Outrigger`,
      notBefore: new Date(now - clockSkewAllowance),
      notAfter: new Date(now + (options.validity ?? defaultCaValidity)),
      keys: keys,
      signingAlgorithm,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        nameConstraintsExtension(hosts),
        await SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as CryptoKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const privateKeyPem = PemConverter.encode(pkcs8, "PRIVATE KEY");
  const authority = await loadCertificateAuthority(certificate.toString("pem"), privateKeyPem);
  return { authority, privateKeyPem };
}

function signingParametersFor(key: KeyObject): {
  importAlgorithm: Parameters<KeyObject["toCryptoKey"]>[0];
  signing: SigningAlgorithm;
} {
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const named = curve === "prime256v1" ? "P-256" : curve === "secp384r1" ? "P-384" : undefined;
    if (named === undefined)
      throw new Error(`CA key curve '${curve ?? "unknown"}' is not supported (use P-256 or P-384)`);
    return {
      importAlgorithm: { name: "ECDSA", namedCurve: named },
      signing: { name: "ECDSA", hash: named === "P-256" ? "SHA-256" : "SHA-384" },
    };
  }
  if (key.asymmetricKeyType === "rsa") {
    return {
      importAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      signing: { name: "RSASSA-PKCS1-v1_5" },
    };
  }
  throw new Error(`CA key type '${key.asymmetricKeyType ?? "unknown"}' is not supported (use ECDSA or RSA)`);
}

/**
 * Loads a CA from PEM (the key in PKCS#8, SEC1 or PKCS#1). Refuses a certificate that is not a CA or whose
 * public key does not match the private key. Error messages never quote the key.
 */
export async function loadCertificateAuthority(
  certificatePem: string,
  privateKeyPem: string,
): Promise<CertificateAuthority> {
  const certificate = new X509Certificate(certificatePem);
  const basic = certificate.getExtension(BasicConstraintsExtension);
  if (basic === null || !basic.ca) throw new Error("the CA certificate lacks basicConstraints CA:TRUE");
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(privateKeyPem);
  } catch {
    throw new Error("the CA private key could not be parsed (expected a PEM private key)");
  }
  const keySpki = createPublicKey(keyObject).export({ type: "spki", format: "der" });
  if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData))) {
    throw new Error("the CA private key does not match the CA certificate");
  }
  const { importAlgorithm, signing } = signingParametersFor(keyObject);
  const privateKey = keyObject.toCryptoKey(importAlgorithm, false, ["sign"]) as unknown as CryptoKey;
  return {
    certificate,
    certificatePem: certificate.toString("pem"),
    privateKey,
    signingAlgorithm: signing,
    permittedHosts: readNameConstraints(certificate)?.permittedHosts ?? [],
    fingerprint: certificateFingerprint(certificate),
  };
}
