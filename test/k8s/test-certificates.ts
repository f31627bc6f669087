// Test certificates made with the system openssl, laid out as Kubernetes mounts a Secret (`..data` symlink).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificate {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A self-signed P-256 certificate for localhost / 127.0.0.1 (the client trusts it directly). */
export function makeCertificate(directory: string, commonName: string): TestCertificate {
  const certFile = join(directory, `${commonName}.crt`);
  const keyFile = join(directory, `${commonName}.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/**
 * Writes `tls.crt`/`tls.key` the way the kubelet updates a Secret volume: files in a fresh timestamped
 * directory, then an atomic rename of the `..data` symlink; `tls.crt` itself is a stable symlink into `..data`.
 */
export function writeSecretVolume(mount: string, certificate: TestCertificate, generation: number): void {
  const timestamped = join(mount, `..2026_11_26_00_00_0${generation}`);
  mkdirSync(timestamped);
  writeFileSync(join(timestamped, "tls.crt"), certificate.cert);
  writeFileSync(join(timestamped, "tls.key"), certificate.key);
  const next = join(mount, "..data_tmp");
  symlinkSync(timestamped.slice(mount.length + 1), next);
  renameSync(next, join(mount, "..data"));
  if (generation === 0) {
    symlinkSync("..data/tls.crt", join(mount, "tls.crt"));
    symlinkSync("..data/tls.key", join(mount, "tls.key"));
  }
}
