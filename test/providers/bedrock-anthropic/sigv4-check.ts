// An independent SigV4 verifier (node:crypto only, written from AWS's spec) for fake AWS servers in tests.
import { createHash, createHmac } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface SigV4Request {
  readonly method: string;
  /** Path and query exactly as received on the wire. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface SigV4Keys {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

/** RFC 3986 unreserved characters stay; everything else is %XX (stricter than encodeURIComponent). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Every service but S3 encodes each path segment once more on top of the wire encoding. */
function canonicalUri(path: string): string {
  return path.split("/").map(uriEncode).join("/") || "/";
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=");
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    })
    .sort(([leftName, leftValue], [rightName, rightValue]) =>
      leftName === rightName ? (leftValue < rightValue ? -1 : 1) : leftName < rightName ? -1 : 1,
    )
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

export function sigV4Signature(
  request: SigV4Request,
  secretAccessKey: string,
  scope: { date: string; region: string; service: string },
  signedHeaders: readonly string[],
): string {
  const queryAt = request.url.indexOf("?");
  const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const query = queryAt === -1 ? "" : request.url.slice(queryAt + 1);
  const headerValue = (name: string): string => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ");
  };
  const payloadHash = headerValue("x-amz-content-sha256") || sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    canonicalUri(path),
    canonicalQuery(query),
    `${signedHeaders.map((name) => `${name}:${headerValue(name)}`).join("\n")}\n`,
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    headerValue("x-amz-date"),
    credentialScope,
    sha256Hex(canonicalRequest),
  ].join("\n");
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service),
    "aws4_request",
  );
  return createHmac("sha256", signingKey).update(stringToSign).digest("hex");
}

/** Checks a request's Authorization header; returns why it fails, or undefined when the signature is right. */
export function verifySigV4(
  request: SigV4Request,
  keys: Readonly<Record<string, SigV4Keys>>,
  expected: { region: string; service: string; now: number },
): string | undefined {
  const authorization = request.headers.authorization ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (match === null) return "malformed authorization header";
  const [, accessKeyId = "", date = "", region, service, signedList = "", signature] = match;
  const key = keys[accessKeyId];
  if (key === undefined) return "unknown access key";
  if (region !== expected.region || service !== expected.service) return "wrong credential scope";
  const signedHeaders = signedList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date"))
    return "host and x-amz-date must be signed";
  const amzDate = String(request.headers["x-amz-date"] ?? "");
  if (!amzDate.startsWith(date)) return "x-amz-date does not match the scope date";
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (!(Math.abs(expected.now - signedAt) < 15 * 60_000)) return "signature expired";
  if (key.sessionToken !== undefined && request.headers["x-amz-security-token"] !== key.sessionToken) {
    return "missing or wrong session token";
  }
  const declaredHash = request.headers["x-amz-content-sha256"];
  if (declaredHash !== undefined && declaredHash !== sha256Hex(request.body)) return "payload hash mismatch";
  const recomputed = sigV4Signature(request, key.secretAccessKey, { date, region, service }, signedHeaders);
  return recomputed === signature ? undefined : "signature mismatch";
}
