// X.509 name constraints for the pod CA: permit only the claimed provider hosts, exclude every IP address.

import { isIP } from "node:net";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from "@peculiar/asn1-x509";
import { Extension, type X509Certificate } from "./x509.ts";

export const nameConstraintsOid = id_ce_nameConstraints;

const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Lower-cases and checks a DNS host name (a single label such as a Service name is allowed); IPs are refused. */
export function normalizeHost(host: string): string {
  const lowered = host.trim().toLowerCase().replace(/\.$/, "");
  if (!hostnamePattern.test(lowered) || /^[0-9.]+$/.test(lowered)) {
    throw new Error(`'${host}' is not a DNS host name the pod CA can be constrained to`);
  }
  return lowered;
}

/**
 * Splits the hosts providers claim into what a CA can be constrained to and what it cannot: IP literals
 * (the CA excludes all IPs) and malformed names are skipped; `*.example.com` permits the `example.com` subtree.
 */
export function constrainableHosts(hosts: Iterable<string>): { hosts: string[]; skipped: string[] } {
  const accepted: string[] = [];
  const skipped: string[] = [];
  for (const host of hosts) {
    const base = host.startsWith("*.") ? host.slice(2) : host;
    if (isIP(base) !== 0) {
      skipped.push(host);
      continue;
    }
    try {
      accepted.push(normalizeHost(base));
    } catch {
      skipped.push(host);
    }
  }
  return { hosts: [...new Set(accepted)].sort(), skipped };
}

/** The sorted, de-duplicated host list a CA is constrained to. */
export function normalizeHosts(hosts: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const host of hosts) set.add(normalizeHost(host));
  if (set.size === 0) throw new Error("the pod CA needs at least one host to permit");
  return [...set].sort();
}

/**
 * Critical nameConstraints: dNSName subtrees for each host (RFC 5280: the host and names below it),
 * and all of IPv4/IPv6 excluded, because a DNS-only permit leaves IP SANs unconstrained.
 */
export function nameConstraintsExtension(hosts: readonly string[]): Extension {
  const permitted = new GeneralSubtrees(
    normalizeHosts(hosts).map((host) => new GeneralSubtree({ base: new GeneralName({ dNSName: host }) })),
  );
  const excluded = new GeneralSubtrees(
    ["0.0.0.0/0", "::/0"].map((range) => new GeneralSubtree({ base: new GeneralName({ iPAddress: range }) })),
  );
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: permitted, excludedSubtrees: excluded }),
  );
  return new Extension(nameConstraintsOid, true, value);
}

export interface ParsedNameConstraints {
  readonly critical: boolean;
  readonly permittedHosts: readonly string[];
  readonly excludedRanges: readonly string[];
}

/** Reads a certificate's name constraints back, or undefined when it carries none. */
export function readNameConstraints(certificate: X509Certificate): ParsedNameConstraints | undefined {
  const extension = certificate.getExtension(nameConstraintsOid);
  if (extension === null) return undefined;
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  const dnsNames = (subtrees: GeneralSubtrees | undefined): string[] =>
    Array.from(subtrees ?? []).flatMap((subtree) =>
      subtree.base.dNSName === undefined ? [] : [subtree.base.dNSName],
    );
  const ipRanges = (subtrees: GeneralSubtrees | undefined): string[] =>
    Array.from(subtrees ?? []).flatMap((subtree) =>
      subtree.base.iPAddress === undefined ? [] : [subtree.base.iPAddress],
    );
  return {
    critical: extension.critical,
    permittedHosts: dnsNames(parsed.permittedSubtrees),
    excludedRanges: ipRanges(parsed.excludedSubtrees),
  };
}

/** Whether `host` falls inside a dNSName subtree (the name itself or any name below it). */
export function hostPermitted(host: string, permittedHosts: readonly string[]): boolean {
  const lowered = host.toLowerCase();
  return permittedHosts.some((base) => lowered === base || lowered.endsWith(`.${base}`));
}
