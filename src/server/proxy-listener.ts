// The base-URL door: a plain HTTP listener turning each request into an exchange for the pipeline.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Exchange, InboundRequest } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { Handler } from "../pipeline/stage.ts";

export interface ProxyRequestContext {
  readonly door: InboundRequest["door"];
  /** The host the client aimed at, for the intercept and tls doors. */
  readonly host?: string;
}

interface ReadBody {
  readonly body: Buffer;
  readonly tooLarge: boolean;
}

const emptyBody = Buffer.alloc(0);

/** Reads the body up to `limit` bytes; beyond it stops reading so a huge upload costs no memory. */
function readBody(request: IncomingMessage, limit: number): Promise<ReadBody> {
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (declared > limit) return Promise.resolve({ body: emptyBody, tooLarge: true });
  if (declared === 0) return Promise.resolve({ body: emptyBody, tooLarge: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off("data", onData);
        request.pause();
        resolve({ body: emptyBody, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () =>
      resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), tooLarge: false }),
    );
    request.once("error", reject);
  });
}

function waitForDrain(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/** Writes the head, then the body chunk by chunk: a slow client slows the upstream read. */
async function writeResponse(response: ServerResponse, proxyResponse: ProxyResponse): Promise<boolean> {
  response.writeHead(proxyResponse.status, proxyResponse.headers);
  const { body } = proxyResponse;
  if (body instanceof Uint8Array) {
    response.end(body);
    return true;
  }
  for await (const chunk of body) {
    if (response.destroyed) return false;
    if (!response.write(chunk)) await waitForDrain(response);
  }
  if (response.destroyed) return false;
  response.end();
  return true;
}

export interface ProxyRequestHandlerOptions {
  readonly handler: Handler;
  /** Ceiling for reading bodies; each provider's own `maxBodySize` is checked by the route stage. */
  readonly maxBodySize: number;
  readonly onUnexpectedError?: (error: unknown) => void;
}

export type ProxyRequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context?: ProxyRequestContext,
) => void;

const baseUrlDoor: ProxyRequestContext = { door: "proxy" };

export function createProxyRequestHandler(options: ProxyRequestHandlerOptions): ProxyRequestHandler {
  return (request, response, context = baseUrlDoor) => {
    const start = performance.now();
    const controller = new AbortController();
    // A client that goes away aborts the upstream request at once: no tokens burn for nobody.
    response.once("close", () => {
      if (!response.writableFinished) controller.abort(new Error("client closed the connection"));
    });
    void (async () => {
      let proxyResponse: ProxyResponse | undefined;
      try {
        const { body, tooLarge } = await readBody(request, options.maxBodySize);
        const rawUrl = request.url ?? "/";
        const queryAt = rawUrl.indexOf("?");
        const exchange: Exchange = {
          id: randomUUID(),
          request: {
            method: request.method ?? "GET",
            path: queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt),
            search: queryAt === -1 ? "" : rawUrl.slice(queryAt),
            headers: request.headers,
            body,
            door: context.door,
            ...(tooLarge ? { bodyTooLarge: true } : {}),
            ...(context.host === undefined ? {} : { host: context.host }),
          },
          signal: controller.signal,
          timings: { start },
          attempt: 1,
          observed: { usage: {} },
        };
        // The unread rest of an oversized body cannot be skipped cheaply: close after answering.
        if (tooLarge) response.shouldKeepAlive = false;
        proxyResponse = await options.handler(exchange);
        // A client that left before the answer was written did not get it, whatever was written into the void.
        const completed = (await writeResponse(response, proxyResponse)) && !controller.signal.aborted;
        proxyResponse.onFinished?.({ completed });
        if (tooLarge) request.destroy();
      } catch (error) {
        proxyResponse?.onFinished?.({ completed: false, error });
        if (!controller.signal.aborted) options.onUnexpectedError?.(error);
        // Headers may be out already: destroying the socket is the only honest signal left.
        response.destroy();
      }
    })();
  };
}

export function createProxyServer(requestHandler: ProxyRequestHandler): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) =>
    requestHandler(request, response),
  );
  return server;
}
