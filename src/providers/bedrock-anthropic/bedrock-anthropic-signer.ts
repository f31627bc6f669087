// Signs a Bedrock request with SigV4 (service `bedrock`) using the maintained @smithy signer.
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credential } from "../../credentials/credential.ts";

/** The SHA-256 constructor the signer expects (node:crypto underneath), as the AWS SDK builds it. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super("sha256", secret);
  }
}

export type AwsCredential = Extract<Credential, { kind: "aws" }>;

export interface SignableRequest {
  readonly method: string;
  /** The provider's base URL: scheme, host, port and any path prefix. */
  readonly baseUrl: string;
  /** Path relative to the base URL's path. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Headers to send: the given ones plus host, x-amz-date, x-amz-security-token and authorization. */
export async function signBedrockRequest(
  request: SignableRequest,
  credential: AwsCredential,
  signingDate: Date = new Date(),
): Promise<Record<string, string>> {
  const base = new URL(request.baseUrl);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      ...(credential.sessionToken === undefined ? {} : { sessionToken: credential.sessionToken }),
    },
    region: credential.region,
    service: "bedrock",
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port === "" ? {} : { port: Number(base.port) }),
      // The signature covers the path exactly as sent, base path prefix included.
      path: `${base.pathname.replace(/\/+$/, "")}${request.path}`,
      query: {},
      // `host` is signed, so it is sent explicitly rather than left to the HTTP client.
      headers: { ...request.headers, host: base.host },
      body: request.body,
    },
    { signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return headers;
}
