// Test helpers: a real local HTTP server that plays a converted provider, for the official SDKs to consume.
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface PlayedResponse {
  readonly status: number;
  readonly contentType: string;
  /** Written one by one, as a converter produces them. */
  readonly chunks: readonly Uint8Array[];
}

export interface PlayServer {
  readonly url: string;
  /** Bodies of the requests the SDK sent, parsed. */
  readonly requests: unknown[];
  close(): Promise<void>;
}

/** Serves `respond()` for every request on 127.0.0.1; each response closes its connection. */
export async function playServer(respond: (request: IncomingMessage) => PlayedResponse): Promise<PlayServer> {
  const requests: unknown[] = [];
  const server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const text = Buffer.concat(parts).toString("utf8");
    requests.push(text === "" ? undefined : JSON.parse(text));
    const played = respond(request);
    response.writeHead(played.status, { "content-type": played.contentType, connection: "close" });
    for (const chunk of played.chunks) response.write(chunk);
    response.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Splits bytes into pieces of 1..max bytes with a seeded generator, as a network would. */
export function splitBytes(bytes: Uint8Array, seed: number, max = 97): Uint8Array[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const size = 1 + Math.floor(random() * max);
    pieces.push(bytes.subarray(start, start + size));
    start += size;
  }
  return pieces;
}
