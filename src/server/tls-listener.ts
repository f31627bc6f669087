// The host-alias door (`listen.tls`): TLS where SNI names the provider host; an unknown or missing SNI is refused.
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { LeafCache } from "../certificates/leaf-cache.ts";
import type { ProxyRequestHandler } from "./proxy-listener.ts";
import { writeRawResponse } from "./raw-response.ts";
import type { UpgradeHandler, UpgradeLogger } from "./websocket-upgrade.ts";

export interface TlsServerOptions {
  readonly requestHandler: ProxyRequestHandler;
  readonly upgradeHandler?: UpgradeHandler;
  readonly leafCache: LeafCache;
  /** Whether some provider claims `host` (providers.*.hosts). */
  readonly isClaimed: (host: string) => boolean;
  readonly logger?: UpgradeLogger;
}

export function createTlsServer(options: TlsServerOptions): Server {
  const upgraded = new Set<Duplex>();
  const server = createServer(
    {
      ALPNProtocols: ["http/1.1"],
      minVersion: "TLSv1.2",
      keepAliveTimeout: 65_000,
      requestTimeout: 0,
      // No default certificate: a client without SNI has nothing to be served and the handshake fails.
      SNICallback: (servername, callback) => {
        const host = servername.toLowerCase();
        if (!options.isClaimed(host)) {
          options.logger?.warn(
            { servername: host },
            "tls door: SNI names no provider host; handshake refused",
          );
          callback(new Error(`no provider claims ${host}`));
          return;
        }
        options.leafCache.secureContextFor(host).then(
          (context) => callback(null, context),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
    },
    (request, response) => {
      const host = hostOf(request);
      if (host === undefined) {
        response.writeHead(421).end();
        return;
      }
      options.requestHandler(request, response, { door: "tls", host });
    },
  );
  // Handshake failures (unknown SNI, a client that distrusts the CA) are the client's verdict; nothing to log loudly.
  server.on("tlsClientError", (_error, socket) => socket.destroy());
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    const host = hostOf(request);
    if (host === undefined || options.upgradeHandler === undefined) {
      writeRawResponse(socket, 501, "Upgrades are not supported here.\n");
      return;
    }
    options.upgradeHandler(request, socket, head, { door: "tls", host });
  });
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const socket of upgraded) socket.destroy();
  };
  return server;
}

/** The SNI the client sent: the host the pod's hostAliases pointed here. */
function hostOf(request: IncomingMessage): string | undefined {
  const servername = (request.socket as TLSSocket).servername;
  return typeof servername === "string" && servername !== "" ? servername.toLowerCase() : undefined;
}
