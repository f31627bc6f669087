// A fake Bedrock runtime on a real socket: checks SigV4 independently, answers InvokeModel with fixture JSON or eventstream.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { type SigV4Keys, verifySigV4 } from "./sigv4-check.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function stringHeaders(headers: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, { type: "string" as const, value }]),
  );
}

/** A `chunk` frame as Bedrock sends it: the Anthropic event, base64, inside `{"bytes"}` (plus its padding field). */
export function chunkFrame(event: unknown): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event)).toString("base64");
  return codec.encode({
    headers: stringHeaders({
      ":message-type": "event",
      ":event-type": "chunk",
      ":content-type": "application/json",
    }),
    body: fromUtf8(JSON.stringify({ bytes, p: "abcdefghij" })),
  });
}

export function exceptionFrame(name: string, message: string): Uint8Array {
  return codec.encode({
    headers: stringHeaders({
      ":message-type": "exception",
      ":exception-type": name,
      ":content-type": "application/json",
    }),
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export interface BedrockCall {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** Why the signature failed, or undefined when it verified. */
  readonly signatureProblem: string | undefined;
}

export interface FakeBedrockOptions {
  readonly region: string;
  readonly keys: Readonly<Record<string, SigV4Keys>>;
  /** Anthropic events for streaming answers. */
  readonly events: readonly unknown[];
  /** The message for non-streaming answers. */
  readonly message: unknown;
  /** When set, the stream is cut after this many events by this exception. */
  readonly exception?: { readonly after: number; readonly name: string; readonly message: string };
}

export interface FakeBedrock {
  readonly url: string;
  readonly calls: BedrockCall[];
  close(): Promise<void>;
}

export async function startFakeBedrock(options: FakeBedrockOptions): Promise<FakeBedrock> {
  const calls: BedrockCall[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = request.url ?? "";
    const signatureProblem = verifySigV4(
      { method: request.method ?? "", url, headers: request.headers, body: raw },
      options.keys,
      {
        region: options.region,
        service: "bedrock",
        now: Date.now(),
      },
    );
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      // Recorded as empty: the test asserts on it.
    }
    calls.push({ url, headers: request.headers, body, signatureProblem });
    if (signatureProblem !== undefined) {
      response.writeHead(403, {
        "content-type": "application/json",
        "x-amzn-errortype":
          "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/",
      });
      response.end(
        JSON.stringify({
          message: `The request signature we calculated does not match (${signatureProblem}).`,
        }),
      );
      return;
    }
    const match = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(url);
    if (request.method !== "POST" || match === null) {
      response.writeHead(404, {
        "content-type": "application/json",
        "x-amzn-errortype": "UnknownOperationException",
      });
      response.end(JSON.stringify({ message: "Unknown operation" }));
      return;
    }
    if (body.anthropic_version !== "bedrock-2023-05-31" || "model" in body || "stream" in body) {
      response.writeHead(400, {
        "content-type": "application/json",
        "x-amzn-errortype": "ValidationException",
      });
      response.end(
        JSON.stringify({ message: "Malformed input request: extraneous key [model] is not permitted" }),
      );
      return;
    }
    if (match[2] === "invoke") {
      response.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "fake-request-1" });
      response.end(JSON.stringify(options.message));
      return;
    }
    response.writeHead(200, {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-requestid": "fake-request-2",
    });
    for (const [index, event] of options.events.entries()) {
      if (options.exception !== undefined && index === options.exception.after) {
        response.end(exceptionFrame(options.exception.name, options.exception.message));
        return;
      }
      response.write(chunkFrame(event));
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
