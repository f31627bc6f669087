// SigV4: the independent checker reproduces AWS's published test vectors, then verifies what the adapter's signer makes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { signBedrockRequest } from "../../../src/providers/bedrock-anthropic/bedrock-anthropic-signer.ts";
import { sigV4Signature, verifySigV4 } from "./sigv4-check.ts";

// aws-sig-v4-test-suite: get-vanilla and post-vanilla (AKIDEXAMPLE, us-east-1, service "service", 20150830T123600Z).
const exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const vectors = [
  { method: "GET", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
  { method: "POST", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
];

for (const vector of vectors) {
  test(`${vector.method} vanilla test vector: the checker and @smithy/signature-v4 both give AWS's signature`, async () => {
    const headers = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" };
    const scope = { date: "20150830", region: "us-east-1", service: "service" };
    const request = { method: vector.method, url: "/", headers, body: Buffer.alloc(0) };
    assert.equal(sigV4Signature(request, exampleSecret, scope, ["host", "x-amz-date"]), vector.signature);

    const signer = new SignatureV4({
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: exampleSecret },
      region: "us-east-1",
      service: "service",
      sha256: Hash.bind(null, "sha256") as unknown as ConstructorParameters<typeof SignatureV4>[0]["sha256"],
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: vector.method,
        protocol: "https:",
        hostname: "example.amazonaws.com",
        path: "/",
        query: {},
        headers: { host: headers.host },
      },
      { signingDate: new Date("2015-08-30T12:36:00Z") },
    );
    assert.equal(
      signed.headers.authorization,
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${vector.signature}`,
    );
  });
}

test("a Bedrock request signed by the adapter verifies; a changed body or path does not", async () => {
  const credential = {
    kind: "aws" as const,
    accessKeyId: "AKIDBEDROCKTEST",
    secretAccessKey: "bedrock/secret+key",
    sessionToken: "session-token-1",
    region: "us-west-2",
    keyId: "k",
  };
  const path = `/model/${encodeURIComponent("anthropic.claude-sonnet-4-5-20250929-v1:0")}/invoke`;
  const body = Buffer.from(
    JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages: [] }),
  );
  const headers = await signBedrockRequest(
    {
      method: "POST",
      baseUrl: "http://127.0.0.1:9999/prefix",
      path,
      headers: { "content-type": "application/json" },
      body,
    },
    credential,
  );
  assert.equal(headers.host, "127.0.0.1:9999");
  assert.equal(headers["x-amz-security-token"], "session-token-1");
  const keys = {
    AKIDBEDROCKTEST: { secretAccessKey: "bedrock/secret+key", sessionToken: "session-token-1" },
  };
  const expected = { region: "us-west-2", service: "bedrock", now: Date.now() };
  const url = `/prefix${path}`;
  assert.equal(verifySigV4({ method: "POST", url, headers, body }, keys, expected), undefined);
  assert.equal(
    verifySigV4({ method: "POST", url, headers, body: Buffer.from(`${body} `) }, keys, expected),
    "payload hash mismatch",
  );
  assert.equal(
    verifySigV4(
      { method: "POST", url: url.replace("invoke", "invoke-with-response-stream"), headers, body },
      keys,
      expected,
    ),
    "signature mismatch",
  );
  assert.equal(
    verifySigV4({ method: "POST", url, headers, body }, keys, { ...expected, region: "us-east-1" }),
    "wrong credential scope",
  );
  const { "x-amz-content-sha256": _declared, ...undeclared } = headers;
  assert.equal(
    verifySigV4({ method: "POST", url, headers: undeclared, body: Buffer.from(`${body} `) }, keys, expected),
    "signature mismatch",
  );
});
