// Leaf certificates per host as TLS secure contexts: minted on first use, shared while valid, renewed early.
import { createSecureContext, type SecureContext } from "node:tls";
import type { CertificateAuthority } from "./certificate-authority.ts";
import { type LeafCertificate, mintLeafCertificate } from "./leaf-certificate.ts";
import { normalizeHost } from "./name-constraints.ts";

export interface LeafCacheOptions {
  readonly authority: CertificateAuthority;
  /** Milliseconds (config `intercept.leafValidity`). */
  readonly validity: number;
  /** Renew this long before expiry; default a quarter of the validity. */
  readonly renewBefore?: number;
  readonly now?: () => Date;
}

interface CacheEntry {
  readonly pending: Promise<{ leaf: LeafCertificate; context: SecureContext }>;
  /** Set once minted; until then concurrent callers share `pending`. */
  renewAt?: number;
  notAfter?: Date;
}

export interface LeafSummary {
  readonly host: string;
  readonly notAfter: Date;
}

export class LeafCache {
  readonly #options: LeafCacheOptions;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(options: LeafCacheOptions) {
    if (!(options.validity > 0)) throw new Error("leaf validity must be positive");
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? (() => new Date()))().getTime();
  }

  /** The leaf for `host`; concurrent calls share one mint, and an entry near expiry is replaced. */
  async leafFor(host: string): Promise<{ leaf: LeafCertificate; context: SecureContext }> {
    const name = normalizeHost(host);
    const existing = this.#entries.get(name);
    if (existing !== undefined && (existing.renewAt === undefined || this.#now() < existing.renewAt)) {
      return existing.pending;
    }
    const entry: CacheEntry = { pending: this.#mint(name) };
    this.#entries.set(name, entry);
    try {
      const minted = await entry.pending;
      const renewBefore = this.#options.renewBefore ?? this.#options.validity / 4;
      entry.renewAt = minted.leaf.notAfter.getTime() - renewBefore;
      entry.notAfter = minted.leaf.notAfter;
      return minted;
    } catch (error) {
      // A failed mint is not cached: the next handshake tries again.
      if (this.#entries.get(name) === entry) this.#entries.delete(name);
      throw error;
    }
  }

  async secureContextFor(host: string): Promise<SecureContext> {
    return (await this.leafFor(host)).context;
  }

  async #mint(host: string): Promise<{ leaf: LeafCertificate; context: SecureContext }> {
    const leaf = await mintLeafCertificate(this.#options.authority, host, {
      validity: this.#options.validity,
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
    });
    const context = createSecureContext({
      key: leaf.privateKeyPem,
      cert: leaf.certificatePem,
      minVersion: "TLSv1.2",
    });
    return { leaf, context };
  }

  /** Hosts with a minted leaf and when each expires (for `/status`). */
  summaries(): LeafSummary[] {
    const result: LeafSummary[] = [];
    for (const [host, entry] of this.#entries) {
      if (entry.notAfter !== undefined) result.push({ host, notAfter: entry.notAfter });
    }
    return result.sort((left, right) => left.host.localeCompare(right.host));
  }
}
