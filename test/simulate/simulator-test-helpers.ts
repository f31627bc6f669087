// Test helpers for the simulator: fixture paths, a minimal SSE parser, and raw HTTP calls that expose every byte.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { fixturesDirectory } from "../../src/simulate/fixture-store.ts";

export const fixtures = fixturesDirectory();

export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Splits a body into events per the SSE rules used by providers (LF line ends; comments dropped). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      if (field === "data") data.push(value);
    }
    if (event !== undefined || data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return events;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Milliseconds from sending to the response head, and to the end (or error). */
  readonly headAfter: number;
  readonly endAfter: number;
  /** Set when the connection broke before the body was complete. */
  readonly error: Error | undefined;
  /** Body pieces with the ms (since sending) each arrived at. */
  readonly pieces: readonly { readonly at: number; readonly bytes: Buffer }[];
}

/** POSTs (or sends `method`) with node:http and collects the whole answer, even a cut one. */
export function send(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<RawResponse> {
  const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${url}${path}`,
      {
        method,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(payload)),
          ...headers,
        },
        agent: false,
      },
      (response) => {
        const headAfter = Date.now() - started;
        const pieces: { at: number; bytes: Buffer }[] = [];
        const finish = (error: Error | undefined) =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(pieces.map((piece) => piece.bytes)),
            headAfter,
            endAfter: Date.now() - started,
            error,
            pieces,
          });
        response.on("data", (bytes: Buffer) => pieces.push({ at: Date.now() - started, bytes }));
        response.on("end", () => finish(undefined));
        response.on("error", (error) => finish(error));
        response.on("aborted", () => finish(new Error("aborted")));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds or `timeout` ms pass; returns whether it held. */
export async function eventually(check: () => boolean, timeout = 2000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (check()) return true;
    await delay(10);
  }
  return check();
}
