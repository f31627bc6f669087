// Signs a Bedrock request with SigV4 (service `bedrock`) using the maintained @smithy signer.
import type { Credential } from "../../credentials/credential.ts";

type SignerModules = {
  readonly SignatureV4: typeof import("@smithy/signature-v4").SignatureV4;
  readonly Sha256: new (
    secret?: ConstructorParameters<typeof import("@smithy/hash-node").Hash>[1],
  ) => InstanceType<typeof import("@smithy/hash-node").Hash>;
};

let signerModules: Promise<SignerModules> | undefined;

/** Loaded at the first signature: the @smithy signer costs megabytes resident in pods that never use Bedrock. */
function loadSigner(): Promise<SignerModules> {
  signerModules ??= Promise.all([import("@smithy/signature-v4"), import("@smithy/hash-node")]).then(
    ([signature, hash]) => {
      /** The SHA-256 constructor the signer expects (node:crypto underneath), as the AWS SDK builds it. */
      class Sha256 extends hash.Hash {
        constructor(secret?: ConstructorParameters<typeof hash.Hash>[1]) {
          super("sha256", secret);
        }
      }
      return { SignatureV4: signature.SignatureV4, Sha256 };
    },
  );
  return signerModules;
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
  const { SignatureV4, Sha256 } = await loadSigner();
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
