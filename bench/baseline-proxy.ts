// The Node baseline: the least a pass-through proxy can do with undici (one Pool, pipe both ways).
import { createServer } from "node:http";
import { Pool } from "undici";

const upstream = process.argv[2];
if (upstream === undefined) throw new Error("usage: baseline-proxy.ts UPSTREAM_URL");
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const headers = { ...request.headers };
    delete headers.host;
    delete headers.connection;
    pool
      .request({
        method: "POST",
        path: request.url ?? "/",
        headers: headers as Record<string, string>,
        body: Buffer.concat(chunks),
      })
      .then(
        (upstreamResponse) => {
          const responseHeaders = { ...upstreamResponse.headers };
          delete responseHeaders.connection;
          delete responseHeaders["keep-alive"];
          delete responseHeaders["transfer-encoding"];
          response.writeHead(upstreamResponse.statusCode, responseHeaders);
          upstreamResponse.body.pipe(response);
        },
        () => {
          response.writeHead(502);
          response.end();
        },
      );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
