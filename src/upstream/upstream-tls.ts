// How the sidecar verifies an upstream's TLS: the trust store with `tls.ca` added, and which failures are a rejected certificate.
import { readFileSync } from "node:fs";
import { getCACertificates } from "node:tls";
import type { ProviderConfig } from "../config/config-types.ts";

/** What `tls.createSecureContext` needs for one upstream. */
export interface UpstreamTlsOptions {
  readonly minVersion: ProviderConfig["tls"]["minVersion"];
  /** Set only with `tls.ca`: Node's `ca` option replaces the default store, so it lists the default too. */
  readonly ca?: string[];
}

export interface UpstreamTlsSources {
  /** Reads the `tls.ca` file (a test passes its own). */
  readonly readFile?: (path: string) => string;
  /**
   * What Node trusts with no `ca` option: its bundled roots (or the system's under `--use-system-ca`)
   * and NODE_EXTRA_CA_CERTS; a test passes its own.
   */
  readonly defaultCertificates?: () => readonly string[];
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The docs promise `tls.ca` is trusted "on top of the system roots"; handing only the file to `ca`
 * would silently drop every public root (and NODE_EXTRA_CA_CERTS) for that upstream.
 */
export function upstreamTlsOptions(
  tls: ProviderConfig["tls"],
  sources: UpstreamTlsSources = {},
): UpstreamTlsOptions {
  if (tls.ca === undefined) return { minVersion: tls.minVersion };
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const extra = readFile(tls.ca).match(pemCertificate) ?? [];
  // Caught at start, not as an opaque handshake failure on the first request.
  if (extra.length === 0) throw new Error(`tls.ca file ${tls.ca} holds no PEM certificate`);
  const defaults = sources.defaultCertificates?.() ?? getCACertificates("default");
  return { minVersion: tls.minVersion, ca: [...defaults, ...extra] };
}

/**
 * OpenSSL's verification results as Node reports them in `error.code`, plus Node's host-name check.
 * A rejected certificate is a configuration or security problem that a resend cannot fix.
 */
const certificateRejections = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The verification code when `error` is the upstream's certificate being rejected; undefined otherwise. */
export function certificateRejection(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && certificateRejections.has(code) ? code : undefined;
}
