// The forward-proxy door (`listen.intercept`): CONNECT to a provider host is terminated with a pod-CA leaf and
// fed to the pipeline; other hosts are tunnelled blind or refused; absolute-form http:// requests are forwarded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import { createProxyServer } from "http-proxy-3";
import type { LeafCache } from "../certificates/leaf-cache.ts";
import { type ConnectTarget, parseConnectTarget } from "./connect-target.ts";
import type { ProxyRequestHandler } from "./proxy-listener.ts";
import { writeRawResponse } from "./raw-response.ts";
import type { UpgradeHandler, UpgradeLogger } from "./websocket-upgrade.ts";

export interface InterceptServerOptions {
  readonly requestHandler: ProxyRequestHandler;
  readonly upgradeHandler?: UpgradeHandler;
  readonly leafCache: LeafCache;
  /** Whether some provider claims `host` (providers.*.hosts). */
  readonly isClaimed: (host: string) => boolean;
  /** `allow`: unclaimed hosts are tunnelled blind; `deny`: they get 403. */
  readonly passthrough: "allow" | "deny";
  /** Milliseconds to reach a passthrough host before 504; default 10 s. */
  readonly connectTimeout?: number;
  /** Milliseconds for the client's first bytes and TLS handshake inside a CONNECT; default 30 s. */
  readonly handshakeTimeout?: number;
  readonly logger?: UpgradeLogger;
}

const established = "HTTP/1.1 200 Connection Established\r\n\r\n";
const tlsHandshakeRecord = 0x16;

export function createInterceptServer(options: InterceptServerOptions): Server {
  const connectTimeout = options.connectTimeout ?? 10_000;
  const handshakeTimeout = options.handshakeTimeout ?? 30_000;
  /** The claimed host each terminated connection was opened for: routing follows CONNECT, not `Host`. */
  const hostOf = new WeakMap<object, string>();
  /** Sockets the HTTP servers no longer track (tunnels, upgrades): cut on closeAllConnections. */
  const detached = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    detached.add(socket);
    socket.once("close", () => detached.delete(socket));
  };
  /** Terminated connections and their requests in flight: the inner server never listens, so it tracks none. */
  const inFlight = new Map<Duplex, number>();
  const adopt = (connection: Duplex): void => {
    inFlight.set(connection, 0);
    connection.once("close", () => inFlight.delete(connection));
    inner.emit("connection", connection);
  };
  const forwarder = createProxyServer({ xfwd: false });
  forwarder.on("error", () => undefined);

  // Terminated tunnels feed this server; it never listens itself.
  const inner = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
    const host = hostOf.get(request.socket);
    if (host === undefined) {
      response.writeHead(500).end();
      return;
    }
    const connection = request.socket;
    inFlight.set(connection, (inFlight.get(connection) ?? 0) + 1);
    response.once("close", () => {
      const count = inFlight.get(connection);
      if (count !== undefined) inFlight.set(connection, count - 1);
    });
    options.requestHandler(request, response, { door: "intercept", host });
  });
  inner.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Now a WebSocket: never idle in the keep-alive sense, cut only by closeAllConnections.
    inFlight.delete(socket);
    track(socket);
    const host = hostOf.get(request.socket);
    if (host === undefined || options.upgradeHandler === undefined) {
      writeRawResponse(socket, 501, "Upgrades are not supported here.\n");
      return;
    }
    options.upgradeHandler(request, socket, head, { door: "intercept", host });
  });

  /** After the 200, the first byte tells TLS (0x16) from plain HTTP (e.g. ws:// through CONNECT). */
  async function terminate(socket: Socket, head: Buffer, host: string): Promise<void> {
    let context: Awaited<ReturnType<LeafCache["secureContextFor"]>>;
    try {
      context = await options.leafCache.secureContextFor(host);
    } catch (error) {
      options.logger?.warn(
        { host, error: error instanceof Error ? error.message : String(error) },
        "leaf mint failed",
      );
      writeRawResponse(socket, 502, `Outrigger could not prepare a certificate for ${host}.\n`);
      return;
    }
    if (socket.destroyed) return;
    socket.write(established);
    if (head.length > 0) socket.unshift(head);
    socket.setTimeout(handshakeTimeout, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      if (first[0] !== tlsHandshakeRecord) {
        socket.setTimeout(0);
        hostOf.set(socket, host);
        adopt(socket);
        // The HTTP parser reads the socket's handle directly, so bytes read before it attached are handed over.
        socket.emit("data", first);
        return;
      }
      socket.pause();
      socket.unshift(first);
      const secure = new TLSSocket(socket, {
        isServer: true,
        secureContext: context,
        ALPNProtocols: ["http/1.1"],
      });
      // A client that does not trust the CA aborts the handshake: that is its verdict, not our failure.
      secure.on("error", () => {
        secure.destroy();
        socket.destroy();
      });
      secure.once("secure", () => socket.setTimeout(0));
      hostOf.set(secure, host);
      adopt(secure);
    });
  }

  function tunnel(socket: Socket, head: Buffer, target: ConnectTarget): void {
    const upstream = connect({ host: target.host, port: target.port });
    let open = false;
    upstream.setTimeout(connectTimeout, () => {
      if (open) return;
      upstream.destroy();
      writeRawResponse(socket, 504, `Timed out connecting to ${target.host}:${target.port}.\n`);
    });
    upstream.on("error", () => {
      if (open) socket.destroy();
      else writeRawResponse(socket, 502, `Could not connect to ${target.host}:${target.port}.\n`);
    });
    socket.once("close", () => (open ? upstream.destroySoon() : upstream.destroy()));
    upstream.once("connect", () => {
      open = true;
      upstream.setTimeout(0);
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      socket.write(established);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
      upstream.once("close", (hadError) => (hadError ? socket.destroy() : socket.destroySoon()));
    });
  }

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) =>
    forwardPlain(request, response),
  );

  server.on("connect", (request: IncomingMessage, duplex: Duplex, head: Buffer) => {
    const socket = duplex as Socket;
    track(socket);
    socket.on("error", () => socket.destroy());
    const target = parseConnectTarget(request.url);
    if ("error" in target) {
      writeRawResponse(socket, 400, `${target.error}\n`);
      return;
    }
    if (options.isClaimed(target.host)) {
      void terminate(socket, head, target.host);
      return;
    }
    if (options.passthrough === "deny") {
      writeRawResponse(
        socket,
        403,
        `${target.host} is not a provider host and intercept.passthrough is deny.\n`,
      );
      return;
    }
    tunnel(socket, head, target);
  });

  /** Absolute-form `http://` requests (HTTP_PROXY): a claimed host goes to the pipeline, others are forwarded. */
  function forwardPlain(request: IncomingMessage, response: ServerResponse): void {
    const parsed = absoluteHttpUrl(request.url);
    if ("error" in parsed) {
      response
        .writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" })
        .end(`${parsed.error}\n`);
      return;
    }
    delete request.headers["proxy-authorization"];
    delete request.headers["proxy-connection"];
    request.url = parsed.pathname + parsed.search;
    const host = parsed.hostname.toLowerCase();
    if (options.isClaimed(host)) {
      options.requestHandler(request, response, { door: "intercept", host });
      return;
    }
    if (options.passthrough === "deny") {
      response
        .writeHead(403, { "content-type": "text/plain; charset=utf-8" })
        .end(`${host} is not a provider host and intercept.passthrough is deny.\n`);
      return;
    }
    forwarder.web(request, response, { target: parsed.origin, connectTimeout }, () => {
      if (response.headersSent) response.destroy();
      else
        response
          .writeHead(502, { "content-type": "text/plain; charset=utf-8" })
          .end(`Could not reach ${parsed.host}.\n`);
    });
  }

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    track(socket);
    socket.on("error", () => socket.destroy());
    const parsed = absoluteHttpUrl(request.url);
    if ("error" in parsed) {
      writeRawResponse(socket, 400, `${parsed.error}\n`);
      return;
    }
    request.url = parsed.pathname + parsed.search;
    const host = parsed.hostname.toLowerCase();
    if (options.isClaimed(host) && options.upgradeHandler !== undefined) {
      options.upgradeHandler(request, socket, head, { door: "intercept", host });
    } else if (options.isClaimed(host) || options.passthrough === "deny") {
      writeRawResponse(socket, 403, `Upgrades to ${host} are not forwarded.\n`);
    } else {
      forwarder.ws(request, socket, head, { target: parsed.origin, connectTimeout }, () => {
        writeRawResponse(socket, 502, `Could not reach ${parsed.host}.\n`);
      });
    }
  });

  // Tunnels and upgrades are invisible to the HTTP server's connection tracking; drain must still end them.
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const connection of inFlight.keys()) connection.destroy();
    for (const socket of detached) socket.destroy();
  };
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const [connection, count] of inFlight) if (count === 0) connection.destroy();
  };
  return server;
}

function absoluteHttpUrl(raw: string | undefined): URL | { readonly error: string } {
  if (raw === undefined || !/^http:\/\//i.test(raw)) {
    return /^https:\/\//i.test(raw ?? "")
      ? { error: "Send https:// requests through CONNECT." }
      : { error: "This is a forward proxy: send CONNECT host:port or an absolute-form http:// request." };
  }
  try {
    return new URL(raw);
  } catch {
    return { error: "The request target is not a valid URL." };
  }
}
