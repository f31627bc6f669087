// Writes a whole HTTP/1.1 response straight onto a socket (CONNECT replies, refused upgrades) and closes it.
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

export function writeRawResponse(
  socket: Duplex,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = { "content-type": "text/plain; charset=utf-8" },
): void {
  if (socket.destroyed) return;
  const payload = Buffer.from(body, "utf8");
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === "content-length" || name.toLowerCase() === "connection") continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${payload.length}`, "connection: close", "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), payload]));
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 5_000).unref();
}
