// tls.ca adds to the default trust store instead of replacing it; checked on real TLS sockets and in a child process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { getCACertificates } from "node:tls";
import { pathToFileURL } from "node:url";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { createUndiciUpstreamClient } from "../../src/upstream/undici-upstream-client.ts";
import { upstreamTlsOptions } from "../../src/upstream/upstream-tls.ts";
import { node24, repositoryRoot } from "../support/child-sidecar.ts";
import {
  getOnce,
  httpsServer,
  leafFor,
  loopback,
  type TestCa,
  type TestHttpsServer,
  testCa,
} from "./tls-upstream-fixtures.ts";

let ca1: TestCa;
let ca2: TestCa;
let server: TestHttpsServer;

before(async () => {
  ca1 = await testCa("ca1");
  ca2 = await testCa("ca2");
  server = await httpsServer(await leafFor(ca1));
});
after(() => server.close());

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

test("with tls.ca, the options list the default certificates and then every certificate in the file", () => {
  const file = `# a comment\n${pem("AAAA")}\nsome text\n${pem("BBBB")}\n`;
  const options = upstreamTlsOptions(
    { minVersion: "TLSv1.3", ca: "/extra.pem" },
    { readFile: () => file, defaultCertificates: () => [pem("ROOT1"), pem("ROOT2")] },
  );
  assert.deepEqual(options, {
    minVersion: "TLSv1.3",
    ca: [pem("ROOT1"), pem("ROOT2"), pem("AAAA"), pem("BBBB")],
  });
});

test("with the real default store: all of Node's default certificates, plus the file's", () => {
  const defaults = getCACertificates("default");
  assert.ok(defaults.length > 0);
  const options = upstreamTlsOptions({ minVersion: "TLSv1.2", ca: ca1.file });
  assert.equal(options.ca?.length, defaults.length + 1);
  assert.deepEqual(options.ca?.slice(0, defaults.length), defaults);
  assert.equal(options.ca?.at(-1), readFileSync(ca1.file, "utf8").trim());
});

test("without tls.ca no `ca` is set, so Node's default store applies untouched", () => {
  assert.deepEqual(upstreamTlsOptions({ minVersion: "TLSv1.2" }), { minVersion: "TLSv1.2" });
});

test("a tls.ca file with no certificate fails at start, naming the file", () => {
  assert.throws(
    () => upstreamTlsOptions({ minVersion: "TLSv1.2", ca: "/x.pem" }, { readFile: () => "not a pem\n" }),
    /\/x\.pem holds no PEM certificate/,
  );
});

function clientFor(port: number, tls: { minVersion: "TLSv1.2" | "TLSv1.3"; ca?: string }) {
  return createUndiciUpstreamClient({
    baseUrl: `https://localhost:${port}`,
    tls,
    pool: { connections: 1, warm: 0 },
    connectTimeout: 2_000,
    lookup: loopback,
  });
}

test("a real HTTPS upstream whose leaf is signed by the tls.ca CA is trusted", async () => {
  const client = clientFor(server.port, { minVersion: "TLSv1.2", ca: ca1.file });
  try {
    assert.deepEqual(await getOnce(client), { status: 200, text: "ok" });
  } finally {
    await client.close();
  }
});

test("tls.minVersion is still enforced", async () => {
  const tls12 = await httpsServer(await leafFor(ca1), "TLSv1.2");
  const strict = clientFor(tls12.port, { minVersion: "TLSv1.3", ca: ca1.file });
  const lenient = clientFor(tls12.port, { minVersion: "TLSv1.2", ca: ca1.file });
  try {
    await assert.rejects(getOnce(strict), (error: unknown) => error instanceof ProxyError);
    assert.equal((await getOnce(lenient)).status, 200);
  } finally {
    await strict.close();
    await lenient.close();
    await tls12.close();
  }
});

/**
 * Runs one request in a child whose default store holds `extraCa` (NODE_EXTRA_CA_CERTS, read at start),
 * with `tls.ca` set to `configuredCa`: prints the status or the proxy error code.
 */
async function requestFromChild(extraCa: string | undefined, configuredCa: string): Promise<string> {
  const client = pathToFileURL(`${repositoryRoot}/src/upstream/undici-upstream-client.ts`).href;
  const script = `
    import { createUndiciUpstreamClient } from ${JSON.stringify(client)};
    const client = createUndiciUpstreamClient({
      baseUrl: "https://localhost:${server.port}",
      tls: { minVersion: "TLSv1.2", ca: ${JSON.stringify(configuredCa)} },
      pool: { connections: 1, warm: 0 },
      connectTimeout: 2000,
      lookup: (_host, options, callback) =>
        options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4),
    });
    try {
      const response = await client.request({
        method: "GET", path: "/", headers: {}, body: undefined, signal: AbortSignal.timeout(5000),
      });
      for await (const _chunk of response.body) {}
      console.log(String(response.status));
    } catch (error) {
      console.log(error.code);
    } finally {
      await client.close();
    }
  `;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (extraCa !== undefined) env.NODE_EXTRA_CA_CERTS = extraCa;
  const child = spawn(node24, ["--input-type=module", "--eval", script], {
    cwd: repositoryRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (data: Buffer) => {
    output += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, output);
  return output.trim().split("\n").at(-1) ?? "";
}

test("with tls.ca set to an unrelated CA, an upstream signed by a default-store CA still verifies", async () => {
  assert.equal(await requestFromChild(ca1.file, ca2.file), "200");
});

test("control: without that CA in the default store, the same request is rejected", async () => {
  assert.equal(await requestFromChild(undefined, ca2.file), "upstream_certificate_rejected");
});
