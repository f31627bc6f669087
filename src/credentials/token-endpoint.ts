// Posts a form to an OAuth2 token endpoint and reads `access_token` / `expires_in`; errors are summarized without secrets.
import { ProxyError } from "../errors/proxy-error.ts";

export interface TokenRequest {
  readonly url: string;
  readonly form: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Values to scrub from any text that might echo them back (client secret, assertion). */
  readonly secrets: readonly string[];
  /** Epoch ms at the time of the request, for `expires_in`. */
  readonly now: number;
  /** Used when the endpoint sends no `expires_in`. */
  readonly defaultLifetime: number;
  readonly timeout?: number;
}

export interface TokenGrant {
  readonly token: string;
  readonly expiresAt: number;
}

/** The endpoint without query or userinfo: safe to name in messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join("[redacted]");
  const oneLine = result.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function summarizeErrorBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const code = typeof record.error === "string" ? record.error : undefined;
      const description = typeof record.error_description === "string" ? record.error_description : undefined;
      if (code !== undefined) return description === undefined ? code : `${code}: ${description}`;
    }
  } catch {
    // Not JSON: a proxy's or load balancer's page; a short excerpt still helps.
  }
  return body;
}

export async function requestToken(request: TokenRequest): Promise<TokenGrant> {
  const where = `token endpoint ${safeUrl(request.url)}`;
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(request.timeout ?? 10_000)]);
  let status: number;
  let text: string;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        ...request.headers,
      },
      body: new URLSearchParams(request.form).toString(),
      signal,
      redirect: "error",
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason = signal.aborted
      ? "timed out or was cancelled"
      : typeof cause === "string"
        ? cause
        : "request failed";
    throw new ProxyError("credential_refresh_failed", `${where} unreachable (${reason})`, { cause: error });
  }
  if (status < 200 || status > 299) {
    const summary = scrub(summarizeErrorBody(text), request.secrets);
    throw new ProxyError(
      "credential_refresh_failed",
      `${where} answered ${status}${summary === "" ? "" : ` ${summary}`}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProxyError(
      "credential_refresh_failed",
      `${where} answered ${status} with a body that is not JSON`,
    );
  }
  const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const token = record.access_token;
  if (typeof token !== "string" || token === "") {
    throw new ProxyError("credential_refresh_failed", `${where} answered without an access_token`);
  }
  const expiresIn = Number(record.expires_in);
  const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : request.defaultLifetime;
  return { token, expiresAt: request.now + lifetime };
}
