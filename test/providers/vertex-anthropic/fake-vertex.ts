// A fake Vertex AI endpoint on a real socket: checks the bearer token and the rawPredict path, answers fixture SSE or JSON.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface VertexCall {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface FakeVertexOptions {
  readonly project: string;
  readonly region: string;
  /** Tokens the fake accepts; anything else gets Google's 401. Read at each request so tests can rotate them. */
  readonly acceptedTokens: () => readonly string[];
  readonly events: readonly unknown[];
  readonly message: unknown;
}

export interface FakeVertex {
  readonly url: string;
  readonly calls: VertexCall[];
  close(): Promise<void>;
}

function googleError(code: number, status: string, message: string): string {
  return JSON.stringify({ error: { code, message, status } });
}

export async function startFakeVertex(options: FakeVertexOptions): Promise<FakeVertex> {
  const calls: VertexCall[] = [];
  const prefix = `/v1/projects/${options.project}/locations/${options.region}/publishers/anthropic/models/`;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      // Recorded as empty for the test to see.
    }
    const url = request.url ?? "";
    calls.push({ url, headers: request.headers, body });
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined || !options.acceptedTokens().includes(token)) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
      return;
    }
    const match = /^([^:/]+):(rawPredict|streamRawPredict)$/.exec(
      url.startsWith(prefix) ? url.slice(prefix.length) : "",
    );
    if (request.method !== "POST" || match === null) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(googleError(404, "NOT_FOUND", `No route for ${url}`));
      return;
    }
    if (body.anthropic_version !== "vertex-2023-10-16" || "model" in body) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "bad body" } }),
      );
      return;
    }
    if (match[2] === "rawPredict") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(options.message));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    for (const event of options.events) {
      response.write(`event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
