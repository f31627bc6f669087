// The forward-proxy door with passthrough allowed: curl via HTTPS_PROXY, blind tunnels, plain-HTTP forwarding, bad CONNECTs.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { type AddressInfo, connect as netConnect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { createServer as createTlsServer, connect as tlsConnect } from "node:tls";
import { createCertificateAuthority } from "../../src/certificates/certificate-authority.ts";
import { mintLeafCertificate } from "../../src/certificates/leaf-certificate.ts";
import { FixtureStore } from "../../src/simulate/fixture-store.ts";
import { upstreamKeys } from "../support/sidecar-harness.ts";
import { type InterceptHarness, startInterceptHarness } from "./intercept-harness.ts";

const clientKey = "client-placeholder-key-must-not-leave-the-pod";
let harness: InterceptHarness;

before(async () => {
  harness = await startInterceptHarness({ tls: false });
});
after(async () => {
  await harness?.close();
});

interface CurlResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** curl with a minimal environment: only what the test names (no stray proxy variables from the host). */
function curl(args: readonly string[], env: Record<string, string> = {}): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "20", ...args],
      { encoding: "buffer", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : Number((error as { code?: unknown }).code ?? 1);
        resolve({ code, stdout, stderr: stderr.toString("utf8") });
      },
    );
  });
}

/** Sends raw bytes to the intercept listener and collects everything until the server closes. */
function rawExchange(text: string): Promise<string> {
  const url = new URL(harness.interceptUrl);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got: ${Buffer.concat(chunks).toString("latin1")}`));
    }, 5_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(text);
  });
}

/** Opens a CONNECT tunnel with Node's own client; resolves the socket after a 200, rejects with the status otherwise. */
function openTunnel(target: string): Promise<Socket> {
  const url = new URL(harness.interceptUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: url.hostname,
      port: Number(url.port),
      method: "CONNECT",
      path: target,
    });
    request.on("connect", (response, socket) => {
      if (response.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`CONNECT answered ${response.statusCode}`));
      }
    });
    request.on("error", reject);
    request.end();
  });
}

function lastUpstream() {
  const last = harness.simulator.requests.at(-1);
  assert.ok(last, "the simulator saw a request");
  return last;
}

describe("claimed hosts are terminated and fed to the pipeline", () => {
  test("curl with HTTPS_PROXY and --cacert: JSON body byte for byte, real key injected, client key dropped", async () => {
    const fixture = new FixtureStore().lookup("deepseek/deepseek-json", false);
    assert.ok(fixture.found);
    const before = harness.finished.length;
    const result = await curl(
      [
        "--cacert",
        harness.caFile,
        "https://api.deepseek.com/chat/completions",
        "-H",
        "content-type: application/json",
        "-H",
        `authorization: Bearer ${clientKey}`,
        "-H",
        "x-simulator-fixture: deepseek/deepseek-json",
        "-d",
        JSON.stringify({ model: "deepseek-chat", messages: [{ role: "user", content: "hi" }] }),
      ],
      { HTTPS_PROXY: harness.interceptUrl },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.equals(Buffer.concat(fixture.fixture.chunks)), "body unchanged");
    assert.equal(lastUpstream().headers.authorization, `Bearer ${upstreamKeys.deepseek}`);
    assert.equal(lastUpstream().path, "/chat/completions");
    assert.ok(!JSON.stringify(lastUpstream().headers).includes(clientKey));
    const [exchange] = (await harness.waitFinished(before + 1)).slice(before);
    assert.equal(exchange?.request.door, "intercept");
    assert.equal(exchange?.request.host, "api.deepseek.com");
    assert.equal(exchange?.route?.provider.id, "deepseek");
  });

  test("a streamed Anthropic response reaches curl byte for byte", async () => {
    const fixture = new FixtureStore().lookup("anthropic/sdk-basic_response", true);
    assert.ok(fixture.found);
    const result = await curl(
      [
        "-N",
        "--cacert",
        harness.caFile,
        "https://api.anthropic.com/v1/messages",
        "-H",
        "content-type: application/json",
        "-H",
        `x-api-key: ${clientKey}`,
        "-H",
        "anthropic-version: 2023-06-01",
        "-H",
        "x-simulator-fixture: anthropic/sdk-basic_response",
        "-d",
        JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 16, stream: true, messages: [] }),
      ],
      { HTTPS_PROXY: harness.interceptUrl },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.equals(Buffer.concat(fixture.fixture.chunks)), "stream unchanged");
    assert.equal(lastUpstream().headers["x-api-key"], upstreamKeys.anthropic);
    assert.equal(lastUpstream().path, "/v1/messages");
  });

  test("a client that does not trust the pod CA refuses the leaf, and the door keeps serving", async () => {
    const refused = await curl(["https://api.openai.com/v1/models"], { HTTPS_PROXY: harness.interceptUrl });
    assert.equal(refused.code, 60, `curl should fail certificate verification: ${refused.stderr}`);
    const again = await curl(
      [
        "--cacert",
        harness.caFile,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "https://api.openai.com/v1/chat/completions",
        "-d",
        "{}",
      ],
      { HTTPS_PROXY: harness.interceptUrl },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout.toString(), /^\d{3}$/);
  });

  test("plain HTTP inside a CONNECT to a claimed host goes to the pipeline too", async () => {
    const socket = await openTunnel("api.openai.com:80");
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          createConnection: () => socket,
          method: "POST",
          path: "/v1/chat/completions",
          headers: {
            host: "api.openai.com",
            "content-type": "application/json",
            authorization: `Bearer ${clientKey}`,
          },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      request.on("error", reject);
      request.end(body);
    });
    socket.destroy();
    assert.equal(status, 200);
    assert.equal(lastUpstream().headers.authorization, `Bearer ${upstreamKeys.openai}`);
  });

  test("an absolute-form http:// request for a claimed host goes to the pipeline", async () => {
    const result = await curl(
      [
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "http://api.openai.com/v1/chat/completions",
        "-H",
        "content-type: application/json",
        "-d",
        JSON.stringify({ model: "gpt-4o-mini", messages: [] }),
      ],
      { HTTP_PROXY: harness.interceptUrl, http_proxy: harness.interceptUrl },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), "200");
    assert.equal(lastUpstream().headers.authorization, `Bearer ${upstreamKeys.openai}`);
  });
});

describe("unclaimed hosts pass through untouched", () => {
  let tlsServer: ReturnType<typeof createTlsServer>;
  let tlsPort = 0;
  let otherCaPem = "";
  let serverLeafFingerprint = "";
  let plainServer: Server;
  let plainPort = 0;
  const plainSeen: { url?: string; host?: string; proxyAuthorization?: string } = {};

  before(async () => {
    // A TLS server with its own, unrelated CA: the client verifies it end to end through the tunnel.
    const other = await createCertificateAuthority({ hosts: ["tunnel.example.test"] });
    otherCaPem = other.authority.certificatePem;
    const leaf = await mintLeafCertificate(other.authority, "tunnel.example.test", { validity: 3_600_000 });
    serverLeafFingerprint = createHash("sha256").update(pemToDer(leaf.certificatePem)).digest("hex");
    tlsServer = createTlsServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem }, (socket) => {
      socket.on("data", (data: Buffer) => socket.write(`echo:${data.toString()}`));
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    plainServer = createHttpServer((request, response) => {
      plainSeen.url = request.url;
      plainSeen.host = request.headers.host;
      plainSeen.proxyAuthorization = request.headers["proxy-authorization"] as string | undefined;
      response.end("plain hello");
    });
    await new Promise<void>((resolve) => plainServer.listen(0, "127.0.0.1", resolve));
    plainPort = (plainServer.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    plainServer.closeAllConnections();
    await new Promise<void>((resolve) => plainServer.close(() => resolve()));
  });

  test("a blind tunnel: the client verifies the far server's own certificate; the sidecar sees no plaintext", async () => {
    const before = harness.finished.length;
    const upstreamBefore = harness.simulator.requests.length;
    const socket = await openTunnel(`127.0.0.1:${tlsPort}`);
    const secure = tlsConnect({ socket, servername: "tunnel.example.test", ca: otherCaPem });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    assert.equal(secure.authorized, true);
    const peer = secure.getPeerCertificate();
    assert.equal(
      createHash("sha256").update(peer.raw).digest("hex"),
      serverLeafFingerprint,
      "the far server's leaf, not a pod leaf",
    );
    const reply = await new Promise<string>((resolve) => {
      secure.once("data", (data: Buffer) => resolve(data.toString()));
      secure.write("ping");
    });
    assert.equal(reply, "echo:ping");
    secure.destroy();
    assert.equal(harness.finished.length, before, "no exchange entered the pipeline");
    assert.equal(harness.simulator.requests.length, upstreamBefore);
  });

  test("a client trusting only the pod CA cannot be fooled into accepting the tunnelled server", async () => {
    const socket = await openTunnel(`127.0.0.1:${tlsPort}`);
    const secure = tlsConnect({
      socket,
      servername: "tunnel.example.test",
      ca: readFileSync(harness.caFile, "utf8"),
    });
    await assert.rejects(
      new Promise((resolve, reject) => {
        secure.once("secureConnect", resolve);
        secure.once("error", reject);
      }),
    );
    secure.destroy();
  });

  test("absolute-form http:// requests to other hosts are forwarded, proxy headers stripped", async () => {
    const result = await curl(["--proxy-user", "user:secret", `http://127.0.0.1:${plainPort}/hello?x=1`], {
      HTTP_PROXY: harness.interceptUrl,
      http_proxy: harness.interceptUrl,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), "plain hello");
    assert.equal(plainSeen.url, "/hello?x=1");
    assert.equal(plainSeen.host, `127.0.0.1:${plainPort}`);
    assert.equal(plainSeen.proxyAuthorization, undefined);
  });

  test("an unreachable target answers 502 and a closed port does not hang", async () => {
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const response = await rawExchange(
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    );
    assert.match(response, /^HTTP\/1\.1 502 /);
    const plain = await curl(["-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/`], {
      HTTP_PROXY: harness.interceptUrl,
      http_proxy: harness.interceptUrl,
    });
    assert.equal(plain.stdout.toString(), "502");
  });
});

describe("malformed requests get 400 and a closed connection", () => {
  const cases: [string, string][] = [
    ["no port", "CONNECT api.openai.com HTTP/1.1\r\nHost: api.openai.com\r\n\r\n"],
    ["port 0", "CONNECT api.openai.com:0 HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["port above 65535", "CONNECT api.openai.com:65536 HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["non-numeric port", "CONNECT api.openai.com:https HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["empty host", "CONNECT :443 HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a URL instead of an authority", "CONNECT https://api.openai.com:443/ HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["unclosed IPv6 bracket", "CONNECT [::1:443 HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["garbage request line", "CONNECT api.openai.com:443 HTTP/1.1 extra\r\nHost: x\r\n\r\n"],
    ["missing target", "CONNECT HTTP/1.1\r\n\r\n"],
    ["origin-form request to the proxy", "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"],
  ];
  for (const [name, text] of cases) {
    test(name, async () => {
      const response = await rawExchange(text);
      assert.match(response, /^HTTP\/1\.1 400 /, response);
    });
  }
});

test("/status on the admin listener shows the CA fingerprint and the intercepted hosts, never the key", async () => {
  const response = await fetch(`${harness.sidecar.adminUrl}/status`);
  const text = await response.text();
  const status = JSON.parse(text) as {
    intercept?: { caFingerprintSha256?: string; interceptedHosts?: string[] };
  };
  const der = pemToDer(readFileSync(harness.caFile, "utf8"));
  const expected = createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)?.join(":");
  assert.equal(status.intercept?.caFingerprintSha256, expected);
  assert.deepEqual(status.intercept?.interceptedHosts, [
    "api.anthropic.com",
    "api.deepseek.com",
    "api.openai.com",
  ]);
  const keyPem = readFileSync(`${harness.caDirectory}/ca-key.pem`, "utf8");
  const keyLines = keyPem.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
  assert.ok(!text.includes("PRIVATE KEY"));
  for (const line of keyLines) assert.ok(!text.includes(line), "no part of the CA key is served");
});

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}
