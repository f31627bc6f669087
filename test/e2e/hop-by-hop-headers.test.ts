// Hop-by-hop headers (RFC 9110 §7.6.1) stop at the sidecar both ways; end-to-end headers pass through.
import assert from "node:assert/strict";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";

/** What the plain upstream saw of one request, raw names included (repeated headers stay apart). */
interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly rawNames: string[];
}

// A value node's own server never writes (its default is `timeout=5`), so one reaching the client can only
// have come from the upstream.
const upstreamKeepAlive = "timeout=77, max=99";

let upstream: Server;
let upstreamUrl: string;
const seen: Seen[] = [];
let harness: Harness;

before(async () => {
  upstream = createServer((request: IncomingMessage, response: ServerResponse) => {
    seen.push({
      headers: request.headers,
      rawNames: request.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase()),
    });
    request.resume();
    request.once("end", () => {
      const hopHeaders = {
        connection: "x-up-hop",
        "x-up-hop": "1",
        "keep-alive": upstreamKeepAlive,
        "x-upstream-id": "up-7f3a",
      };
      if (request.headers["x-test-stream"] === "1") {
        response.writeHead(200, { ...hopHeaders, "content-type": "text/event-stream" });
        response.write(
          `data: ${JSON.stringify({ id: "c1", model: "m", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }] })}\n\n`,
        );
        response.write(
          `data: ${JSON.stringify({ id: "c1", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`,
        );
        response.end("data: [DONE]\n\n");
        return;
      }
      const body = JSON.stringify({
        id: "c1",
        object: "chat.completion",
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      });
      response.writeHead(200, {
        ...hopHeaders,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  harness = await startHarness({
    // The harness's three providers, with `openai` pointed at the plain upstream instead of the simulator.
    config: (simulatorUrl) => {
      const config = harnessConfig(simulatorUrl);
      const providers = config.providers as Record<string, Record<string, unknown>>;
      providers.openai = { ...providers.openai, baseUrl: upstreamUrl };
      return config;
    },
  });
});

after(async () => {
  await harness.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawNames: string[];
  readonly body: string;
}

/** One raw node:http request, so the hop-by-hop headers go out exactly as written here. */
function send(headers: Record<string, string>): Promise<Answer> {
  const url = new URL(`${harness.sidecar.proxyUrl}/openai/v1/chat/completions`);
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        // A fresh connection per request: no agent of ours adds or rewrites Connection.
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            rawNames: response.rawHeaders
              .filter((_, index) => index % 2 === 0)
              .map((name) => name.toLowerCase()),
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.once("error", reject);
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}

const clientHopHeaders = {
  connection: "x-custom-hop, keep-alive",
  "x-custom-hop": "1",
  "keep-alive": "timeout=5",
  te: "trailers",
  "proxy-connection": "keep-alive",
  "x-request-id": "req-5d1e",
};

describe("hop-by-hop headers end at the sidecar", () => {
  // With `keep-alive` listed in Connection it is dropped as a listed name; unlisted, only the fixed set drops it.
  for (const [streaming, connection] of [
    [false, "x-custom-hop, keep-alive"],
    [true, "x-custom-hop, keep-alive"],
    [false, "x-custom-hop"],
  ] as const) {
    const kind = streaming ? "an event stream" : "a JSON answer";
    test(`request and response, ${kind}, client Connection: ${connection}`, async () => {
      const before = seen.length;
      const headers = { ...clientHopHeaders, connection, ...(streaming ? { "x-test-stream": "1" } : {}) };
      const answer = await send(headers);
      assert.equal(answer.status, 200, answer.body);
      assert.equal(seen.length, before + 1, "the upstream saw the request once");
      const upstreamSaw = seen.at(-1);
      assert.ok(upstreamSaw);

      // Client → upstream: what the client's Connection names, and the fixed hop-by-hop set, stay behind.
      for (const name of ["x-custom-hop", "keep-alive", "te", "proxy-connection"]) {
        assert.ok(
          !upstreamSaw.rawNames.includes(name),
          `the upstream must not see ${name}; it saw ${JSON.stringify(upstreamSaw.headers)}`,
        );
      }
      // The upstream client may open its own connection with its own Connection, but never the client's.
      assert.ok(
        !String(upstreamSaw.headers.connection ?? "").includes("x-custom-hop"),
        `upstream connection header: ${upstreamSaw.headers.connection}`,
      );
      assert.equal(upstreamSaw.headers["x-request-id"], "req-5d1e", "an end-to-end header passes");
      assert.ok(
        upstreamSaw.headers.authorization?.startsWith("Bearer sk-openai-test"),
        "the key was injected",
      );

      // Upstream → client: x-up-hop (named in the upstream's Connection) and its Keep-Alive stay behind.
      assert.ok(
        !answer.rawNames.includes("x-up-hop"),
        `the client must not see x-up-hop; it saw ${JSON.stringify(answer.headers)}`,
      );
      assert.notEqual(
        answer.headers["keep-alive"],
        upstreamKeepAlive,
        "the upstream's Keep-Alive is its own",
      );
      assert.ok(
        !String(answer.headers.connection ?? "").includes("x-up-hop"),
        `client connection header: ${answer.headers.connection}`,
      );
      assert.equal(answer.headers["x-upstream-id"], "up-7f3a", "an end-to-end header passes");
      assert.match(answer.body, /"content":\s*"hi"/, "the body arrives");
    });
  }
});
