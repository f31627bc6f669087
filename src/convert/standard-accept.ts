// The standard-event encodings a client may ask for on a unified route with its Accept header.
import type { IncomingHttpHeaders } from "node:http";

export type StandardEncoding = "ndjson" | "protobuf";

export const standardContentTypes: Readonly<Record<StandardEncoding, string>> = {
  ndjson: "application/x-ndjson",
  protobuf: "application/x-protobuf",
};

export function standardEncodingFor(headers: IncomingHttpHeaders): StandardEncoding | undefined {
  const accept = headers.accept;
  if (accept === undefined) return undefined;
  if (accept.includes("application/x-ndjson")) return "ndjson";
  if (accept.includes("application/x-protobuf")) return "protobuf";
  return undefined;
}
