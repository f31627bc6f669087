// Hop-by-hop header handling per RFC 9110 §7.6.1: these describe one connection and are never forwarded.

const alwaysHopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const noneListed: ReadonlySet<string> = new Set();

/** Names listed in `Connection` are hop-by-hop too. */
function connectionListed(value: string | string[] | undefined): ReadonlySet<string> {
  // The usual values name no header: no set to build per request.
  if (value === undefined || value === "keep-alive" || value === "close") return noneListed;
  const listed = new Set<string>();
  for (const part of Array.isArray(value) ? value : [value]) {
    for (const token of part.split(",")) {
      const name = token.trim().toLowerCase();
      if (name !== "") listed.add(name);
    }
  }
  return listed;
}

/**
 * Copies end-to-end headers, dropping hop-by-hop ones and any names in `drop` (lower case).
 * Node and undici give lower-case names, which lets this stay a set lookup per header.
 */
export function endToEndHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  drop?: ReadonlySet<string>,
): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const result: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || alwaysHopByHop.has(name) || listed.has(name)) continue;
    if (drop?.has(name)) continue;
    result[name] = value;
  }
  return result;
}
