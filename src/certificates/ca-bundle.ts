// ca-bundle.pem: the default roots plus the pod CA, for clients whose CA variable replaces the default store.
import { rootCertificates } from "node:tls";

/**
 * Node's bundled Mozilla roots (what `node:tls` trusts by default), then the pod CA. Python's
 * `SSL_CERT_FILE`/`REQUESTS_CA_BUNDLE` and Go's `SSL_CERT_FILE` replace the store, so passthrough
 * hosts still need the public roots.
 */
export function buildCaBundle(caCertificatePem: string, roots: readonly string[] = rootCertificates): string {
  const blocks = roots.map((pem) => pem.trim());
  blocks.push("# Outrigger pod CA", caCertificatePem.trim());
  return `${blocks.join("\n")}\n`;
}
