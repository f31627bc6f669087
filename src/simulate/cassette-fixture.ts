// Reads a recorded HTTP exchange (go-vcr cassette YAML) into the status, headers and body to replay.
import { parse } from "yaml";

export interface RecordedResponse {
  readonly status: number;
  /** Lower-cased names, as an HTTP/2 provider sends them; multiple values joined by `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Headers that describe the recorded transfer, not the response (the body is stored decoded): Node sets them anew. */
const connectionHeaders = new Set([
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the first interaction's response; `file` names the cassette in error messages. */
export function parseCassette(text: string, file: string): RecordedResponse {
  const document: unknown = parse(text);
  const interactions = isRecord(document) ? document.interactions : undefined;
  const first: unknown = Array.isArray(interactions) ? interactions[0] : undefined;
  const response = isRecord(first) ? first.response : undefined;
  if (!isRecord(response)) throw new Error(`cassette ${file} has no interactions[0].response`);
  const status = response.code;
  if (typeof status !== "number" || !Number.isInteger(status))
    throw new Error(`cassette ${file} has no numeric response.code`);
  const body = typeof response.body === "string" ? response.body : "";
  const headers: Record<string, string> = {};
  if (isRecord(response.headers)) {
    for (const [name, value] of Object.entries(response.headers)) {
      const lower = name.toLowerCase();
      if (connectionHeaders.has(lower)) continue;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      headers[lower] = values.join(", ");
    }
  }
  return { status, headers, body: Buffer.from(body, "utf8") };
}
