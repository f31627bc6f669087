// Parses a CONNECT request target (authority-form `host:port`) strictly: anything else is a 400.
import { isIPv4, isIPv6 } from "node:net";

export interface ConnectTarget {
  /** Lower-cased DNS name, IPv4 literal, or IPv6 literal without brackets. */
  readonly host: string;
  readonly port: number;
}

const dnsName =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Returns the target, or a reason safe to send back in the 400 body. */
export function parseConnectTarget(target: string | undefined): ConnectTarget | { readonly error: string } {
  if (target === undefined || target === "") return { error: "CONNECT needs a host:port target" };
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(target);
  if (match === null) return { error: "CONNECT target must be host:port" };
  const bracketed = match[1];
  const plain = match[2];
  const portText = match[3] ?? "";
  if (!/^\d{1,5}$/.test(portText)) return { error: "CONNECT target needs a numeric port" };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { error: "CONNECT port must be between 1 and 65535" };
  if (bracketed !== undefined) {
    if (!isIPv6(bracketed)) return { error: "CONNECT target has a malformed IPv6 address" };
    return { host: bracketed.toLowerCase(), port };
  }
  const host = (plain ?? "").toLowerCase();
  if (isIPv4(host)) return { host, port };
  if (!dnsName.test(host) || /^[0-9.]+$/.test(host)) return { error: "CONNECT target has a malformed host" };
  return { host: host.replace(/\.$/, ""), port };
}
