// What an attempt came to, for the verdict, and how long the client will still wait for it.
import type { Exchange, UpstreamReport } from "../pipeline/exchange.ts";
import type { ProxyResponse } from "../pipeline/proxy-response.ts";
import type { AttemptFailure } from "./is-retryable.ts";

/** The failure in a response (an error status, or an error as a stream's first event); undefined for a success. */
export function failureOf(
  response: ProxyResponse,
  report: UpstreamReport | undefined,
): AttemptFailure | undefined {
  if (report?.firstEventError !== undefined) {
    return {
      type: "response",
      status: report.status,
      headers: report.headers,
      firstEventError: report.firstEventError,
    };
  }
  if (response.status < 400) return undefined;
  return {
    type: "response",
    status: response.status,
    headers: report?.headers ?? {},
    ...(report?.errorKind === undefined ? {} : { kind: report.errorKind }),
  };
}

/** Milliseconds the client will still wait: the total timeout, or its SDK's own (`x-stainless-timeout`, seconds). */
export function clientLeft(exchange: Exchange, total: number, elapsed: number): number {
  const header = exchange.request.headers["x-stainless-timeout"];
  const seconds = typeof header === "string" ? Number(header) : Number.NaN;
  const sdk = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY;
  return Math.min(total, sdk) - elapsed;
}
