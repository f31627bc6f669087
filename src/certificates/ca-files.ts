// The pod CA on disk: writes ca.pem / ca-key.pem (0600) / ca-bundle.pem, reads them back, or creates them at start.
import { existsSync } from "node:fs";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { OutriggerConfig } from "../config/config-types.ts";
import { buildCaBundle } from "./ca-bundle.ts";
import {
  type CertificateAuthority,
  createCertificateAuthority,
  loadCertificateAuthority,
} from "./certificate-authority.ts";
import { constrainableHosts, hostPermitted } from "./name-constraints.ts";

export const caFileNames = { certificate: "ca.pem", key: "ca-key.pem", bundle: "ca-bundle.pem" } as const;

export interface CaFilePaths {
  readonly certificate: string;
  readonly key: string;
  readonly bundle: string;
}

export function caFilePaths(directory: string): CaFilePaths {
  return {
    certificate: join(directory, caFileNames.certificate),
    key: join(directory, caFileNames.key),
    bundle: join(directory, caFileNames.bundle),
  };
}

/** Writes via a temp file and rename, so a reader never sees half a key; the key file is created 0600. */
async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  const handle = await open(temporary, "wx", mode);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The umask may have narrowed the mode further; chmod states it exactly.
  await chmod(temporary, mode);
  await rename(temporary, path);
}

export interface WriteCaFilesOptions {
  /** Replace an existing CA; without it an existing ca.pem or ca-key.pem is an error. */
  readonly force?: boolean;
}

export async function writeCertificateAuthorityFiles(
  directory: string,
  authority: CertificateAuthority,
  privateKeyPem: string,
  options: WriteCaFilesOptions = {},
): Promise<CaFilePaths> {
  const paths = caFilePaths(directory);
  if (!options.force && (existsSync(paths.certificate) || existsSync(paths.key))) {
    throw new Error(
      `${directory} already holds a CA (${caFileNames.certificate} or ${caFileNames.key}); pass --force to replace it`,
    );
  }
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeAtomically(paths.key, privateKeyPem, 0o600);
  await writeAtomically(paths.certificate, authority.certificatePem, 0o644);
  await writeAtomically(paths.bundle, buildCaBundle(authority.certificatePem), 0o644);
  return paths;
}

/**
 * The public half for clients to trust (ca.pem and ca-bundle.pem), written where app containers can mount
 * it: the key stays in the private directory, readable by the sidecar alone.
 */
export async function publishCertificateAuthority(
  directory: string,
  authority: CertificateAuthority,
): Promise<void> {
  const paths = caFilePaths(directory);
  await mkdir(directory, { recursive: true, mode: 0o755 });
  await writeAtomically(paths.certificate, authority.certificatePem, 0o644);
  await writeAtomically(paths.bundle, buildCaBundle(authority.certificatePem), 0o644);
}

export async function readCertificateAuthorityFiles(
  certificateFile: string,
  keyFile: string,
): Promise<CertificateAuthority> {
  const [certificatePem, keyPem] = await Promise.all([
    readFile(certificateFile, "utf8"),
    readFile(keyFile, "utf8"),
  ]);
  try {
    return await loadCertificateAuthority(certificatePem, keyPem);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`intercept.ca (${certificateFile}): ${reason}`);
  }
}

/** Hosts a loaded CA's name constraints do not cover: leaves for them would be refused by clients. */
export function hostsOutsideConstraints(authority: CertificateAuthority, hosts: readonly string[]): string[] {
  if (authority.permittedHosts.length === 0) return [];
  return hosts.filter((host) => !hostPermitted(host, authority.permittedHosts));
}

/**
 * The CA for the intercept and TLS doors: `intercept.ca.cert/key` are loaded; `intercept.ca.generate: DIR`
 * loads DIR's CA or, when DIR has none, creates one constrained to `hosts` and writes it there. A CA whose
 * constraints miss a claimed host is refused, naming the hosts, rather than minting leaves clients reject.
 */
export async function loadOrCreateCertificateAuthority(
  intercept: OutriggerConfig["intercept"],
  hosts: readonly string[],
  options: { readonly now?: () => Date } = {},
): Promise<CertificateAuthority> {
  const ca = intercept.ca;
  if (ca === undefined) {
    throw new Error("listen.intercept and listen.tls need intercept.ca: { cert, key } or { generate: DIR }");
  }
  // IP hosts (e.g. an Ollama baseUrl) cannot be intercepted with a certificate; they are simply not constrained.
  const claimed = constrainableHosts(hosts).hosts;
  if (claimed.length === 0) {
    throw new Error(
      "listen.intercept / listen.tls: no provider claims a DNS host name (providers.<id>.hosts)",
    );
  }
  let authority: CertificateAuthority;
  let source: string;
  if ("generate" in ca) {
    const paths = caFilePaths(ca.generate);
    source = ca.generate;
    if (existsSync(paths.certificate) && existsSync(paths.key)) {
      authority = await readCertificateAuthorityFiles(paths.certificate, paths.key);
    } else {
      const created = await createCertificateAuthority({ hosts: claimed, ...options });
      await writeCertificateAuthorityFiles(ca.generate, created.authority, created.privateKeyPem, {
        force: true,
      });
      authority = created.authority;
    }
  } else {
    source = ca.cert;
    authority = await readCertificateAuthorityFiles(ca.cert, ca.key);
  }
  const missing = hostsOutsideConstraints(authority, claimed);
  if (missing.length > 0) {
    throw new Error(
      `the CA at ${source} is not permitted to issue for ${missing.join(", ")}; recreate it with those hosts (outrigger ca init --hosts ...)`,
    );
  }
  if ("generate" in ca && ca.publish !== undefined) await publishCertificateAuthority(ca.publish, authority);
  return authority;
}
