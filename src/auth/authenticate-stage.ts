// authenticate: the optional inbound check (pod token or JWT); a failure is a 401 rendered in the client's dialect.
import type { IncomingHttpHeaders } from "node:http";
import type { OutriggerConfig } from "../config/config-types.ts";
import { ProxyError } from "../errors/proxy-error.ts";
import { firstHeader } from "../pipeline/header-value.ts";
import type { Handler, Stage } from "../pipeline/stage.ts";
import type { JwtVerifierOptions } from "./jwt-verifier.ts";
import { createPodTokenVerifier } from "./pod-token-verifier.ts";
import { presentedToken } from "./presented-token.ts";
import type { TokenVerifier } from "./token-verifier.ts";

export interface AuthenticateOptions {
  /** The config's `auth` block; undefined turns the stage into a pass-through. */
  readonly auth: OutriggerConfig["auth"];
  readonly env?: NodeJS.ProcessEnv;
  /** Epoch ms, for JWT expiry and pod token re-reads. */
  readonly now?: () => number;
}

const challenge = { "www-authenticate": 'Bearer realm="outrigger"' };

export function createTokenVerifier(options: AuthenticateOptions): TokenVerifier | undefined {
  const { auth } = options;
  if (auth === undefined) return undefined;
  const injected = {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  if ("token" in auth) return createPodTokenVerifier({ token: auth.token, ...injected });
  return lazyJwtVerifier({
    jwks: auth.jwks,
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** jose loads at the first token to verify: a pod without JWT auth never pays its resident megabytes. */
function lazyJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  let verifier: Promise<TokenVerifier> | undefined;
  return {
    async verify(token) {
      verifier ??= import("./jwt-verifier.ts").then(({ createJwtVerifier }) => createJwtVerifier(options));
      return (await verifier).verify(token);
    },
  };
}

function unauthorized(reason: string, cause?: unknown): ProxyError {
  return new ProxyError("unauthorized", `Outrigger rejected the request: ${reason}.`, {
    headers: challenge,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Throws ProxyError `unauthorized` unless the headers carry a token the verifier accepts (also used for WebSocket upgrades). */
export async function checkPresentedToken(
  verifier: TokenVerifier,
  headers: IncomingHttpHeaders,
): Promise<void> {
  const token = presentedToken(headers);
  if (token === undefined) {
    throw unauthorized("no token presented (send it as the SDK's API key or as Authorization: Bearer)");
  }
  let verdict: Awaited<ReturnType<TokenVerifier["verify"]>>;
  try {
    verdict = await verifier.verify(token);
  } catch (error) {
    // The pod token itself could not be read: fail closed, and say which setting is missing.
    throw unauthorized(
      error instanceof ProxyError ? error.message.replace(/\.$/, "") : "the check failed",
      error,
    );
  }
  if (!verdict.ok) throw unauthorized(verdict.reason);
  forgetPresentedToken(headers, token);
}

const tokenHeaders = ["x-outrigger-token", "x-api-key", "api-key"];

/** The pod token is for the sidecar alone: whichever header carried it is dropped before anything goes upstream. */
function forgetPresentedToken(headers: IncomingHttpHeaders, token: string): void {
  for (const name of tokenHeaders) {
    if (firstHeader(headers, name)?.trim() === token) delete headers[name];
  }
  const authorization = headers.authorization?.trim();
  if (
    authorization !== undefined &&
    /^Bearer\s+/i.test(authorization) &&
    authorization.split(/\s+/)[1] === token
  ) {
    delete headers.authorization;
  }
}

export function authenticateStage(options: AuthenticateOptions): Stage {
  const verifier = createTokenVerifier(options);
  return function authenticate(next: Handler): Handler {
    if (verifier === undefined) return next;
    return async (exchange) => {
      await checkPresentedToken(verifier, exchange.request.headers);
      return next(exchange);
    };
  };
}
