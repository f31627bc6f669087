// The upstream lookup for the host-alias door asks DNS, never /etc/hosts: checked against a fake DNS server on UDP.
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import type { LookupAddress } from "node:dns";
import { type AddressInfo, connect, createServer } from "node:net";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/config/load-config.ts";
import {
  createDnsOnlyLookup,
  type DnsOnlyLookup,
  needsDnsOnlyLookup,
} from "../../src/server/dns-only-lookup.ts";
import { createUndiciUpstreamClient } from "../../src/upstream/undici-upstream-client.ts";
import { getOnce } from "../upstream/tls-upstream-fixtures.ts";

/** A records the fake server knows; `localhost` deliberately differs from /etc/hosts. */
const records: Record<string, string> = {
  localhost: "203.0.113.9",
  "api.deepseek.com": "203.0.113.7",
  "svc.example.test": "127.0.0.1",
};
let dns: UdpSocket;
let lookup: DnsOnlyLookup;
const asked: string[] = [];

function readName(packet: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (packet[at] !== 0) {
    const length = packet[at] ?? 0;
    labels.push(packet.subarray(at + 1, at + 1 + length).toString("latin1"));
    at += length + 1;
  }
  return { name: labels.join("."), end: at + 1 };
}

before(async () => {
  dns = createSocket("udp4");
  dns.on("message", (query, remote) => {
    const { name, end } = readName(query, 12);
    const type = query.readUInt16BE(end);
    asked.push(`${name}/${type}`);
    const address = type === 1 ? records[name.toLowerCase()] : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(
      address === undefined && records[name.toLowerCase()] === undefined ? 0x8183 : 0x8180,
      2,
    );
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(address === undefined ? 0 : 1, 6);
    const question = query.subarray(12, end + 4);
    const answer =
      address === undefined
        ? Buffer.alloc(0)
        : Buffer.concat([
            Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]),
            Buffer.from(address.split(".").map(Number)),
          ]);
    dns.send(Buffer.concat([header, question, answer]), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => dns.bind(0, "127.0.0.1", resolve));
  lookup = createDnsOnlyLookup({
    servers: [`127.0.0.1:${(dns.address() as AddressInfo).port}`],
    timeout: 2_000,
  });
});
after(() => {
  dns.close();
});

function lookupAll(hostname: string, family: 0 | 4 | 6 = 0): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all: true, family }, (error, addresses) => {
      if (error !== null) reject(error);
      else resolve(addresses as LookupAddress[]);
    });
  });
}

test("names come from DNS, not /etc/hosts (localhost answers with DNS's address)", async () => {
  assert.deepEqual(await lookupAll("localhost"), [{ address: "203.0.113.9", family: 4 }]);
  assert.deepEqual(await lookupAll("api.deepseek.com", 4), [{ address: "203.0.113.7", family: 4 }]);
  assert.ok(asked.includes("localhost/1"), "the A query went to the DNS server");
  const single = await new Promise<[string, number | undefined]>((resolve, reject) => {
    lookup("api.deepseek.com", {}, (error, address, family) =>
      error === null ? resolve([address as string, family]) : reject(error),
    );
  });
  assert.deepEqual(single, ["203.0.113.7", 4]);
});

test("IP literals pass through; unknown names fail with ENOTFOUND", async () => {
  assert.deepEqual(await lookupAll("10.1.2.3"), [{ address: "10.1.2.3", family: 4 }]);
  assert.deepEqual(await lookupAll("::1"), [{ address: "::1", family: 6 }]);
  await assert.rejects(
    lookupAll("nothing.example.test"),
    (error: NodeJS.ErrnoException) => error.code === "ENOTFOUND",
  );
});

test("net.connect accepts it as its lookup", async () => {
  const server = createServer((socket) => socket.end("hello"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "svc.example.test", port, lookup });
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString();
      });
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    assert.equal(text, "hello");
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("the undici upstream client connects through it", async () => {
  const server = createServer((socket) => {
    socket.once("data", () =>
      socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const client = createUndiciUpstreamClient({
    baseUrl: `http://svc.example.test:${port}`,
    tls: { minVersion: "TLSv1.2" },
    pool: { connections: 1, warm: 0 },
    connectTimeout: 2_000,
    lookup,
  });
  try {
    assert.deepEqual(await getOnce(client), { status: 200, text: "ok" });
    assert.ok(asked.includes("svc.example.test/1"), "the name was resolved by DNS, not the system resolver");
  } finally {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("needed only when the TLS door is on and the provider's baseUrl host is a claimed host", () => {
  const provider = (baseUrl: string, hosts: string[]) => ({
    protocol: "openai",
    baseUrl,
    hosts,
    credentials: [],
  });
  const withTls = parseConfig({
    listen: { tls: "127.0.0.1:443" },
    intercept: { ca: { generate: "/tmp/unused-ca" } },
    providers: {
      deepseek: provider("https://api.deepseek.com", ["api.deepseek.com"]),
      gateway: provider("https://gateway.internal.example", ["api.openai.com"]),
    },
  });
  assert.equal(needsDnsOnlyLookup(withTls, withTls.providers.deepseek!), true);
  assert.equal(needsDnsOnlyLookup(withTls, withTls.providers.gateway!), false);
  const withoutTls = parseConfig({
    providers: { deepseek: provider("https://api.deepseek.com", ["api.deepseek.com"]) },
  });
  assert.equal(needsDnsOnlyLookup(withoutTls, withoutTls.providers.deepseek!), false);
});
