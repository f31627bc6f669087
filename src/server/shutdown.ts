// Graceful drain: stop accepting, let in-flight requests and streams finish up to the grace, then cut.
import type { Server } from "node:http";

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // Idle keep-alive sockets would otherwise hold close() open until their timeout.
    server.closeIdleConnections();
  });
}

/** Resolves true when everything finished within the grace, false when connections had to be cut. */
export async function drainServers(servers: readonly Server[], graceMilliseconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = Promise.all(servers.map(closeServer)).then(() => true);
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMilliseconds);
  });
  // Connections that finish a response while draining must not be reused: close them as they idle.
  const sweep = setInterval(() => {
    for (const server of servers) server.closeIdleConnections();
  }, 100);
  const finished = await Promise.race([closed, expired]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (!finished) {
    for (const server of servers) server.closeAllConnections();
    await closed;
  }
  return finished;
}
