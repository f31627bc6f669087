// A local identity provider on a real socket: parses the form post, records it, answers what the test scripts.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenCall {
  readonly headers: IncomingHttpHeaders;
  readonly form: URLSearchParams;
}

export type TokenAnswer = { readonly status: number; readonly body: unknown };

export interface FakeTokenEndpoint {
  readonly url: string;
  readonly calls: TokenCall[];
  close(): Promise<void>;
}

export async function startFakeTokenEndpoint(
  answer: (call: TokenCall) => TokenAnswer | Promise<TokenAnswer>,
): Promise<FakeTokenEndpoint> {
  const calls: TokenCall[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call: TokenCall = {
      headers: request.headers,
      form: new URLSearchParams(Buffer.concat(chunks).toString()),
    };
    calls.push(call);
    const { status, body } = await answer(call);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth2/token`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
