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

/** How long streams ended with an error event at the grace get to write it before connections are cut. */
const errorEventWindow = 500;

export interface DrainOptions {
  /**
   * Called when the grace is over, before connections are cut: ends what it can in-band (event streams
   * with an error event) and says how many it ended, which then get a short window to be written.
   */
  readonly beforeCut?: () => number;
}

/** Resolves true when everything finished within the grace, false when connections had to be cut. */
export async function drainServers(
  servers: readonly Server[],
  graceMilliseconds: number,
  options: DrainOptions = {},
): Promise<boolean> {
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
  if (!finished && (options.beforeCut?.() ?? 0) > 0) {
    // The error events are small and already queued: a moment lets them out (and their connections idle).
    let window: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        window = setTimeout(resolve, errorEventWindow);
      }),
    ]);
    clearTimeout(window);
  }
  clearInterval(sweep);
  if (!finished) {
    for (const server of servers) server.closeAllConnections();
    await closed;
  }
  return finished;
}
