// W3C trace context: parses an incoming `traceparent` and renders one for an outgoing request.
import { firstValue } from "../pipeline/header-value.ts";

export interface ParsedTraceparent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const allZero = /^0+$/;

/** Per the W3C spec: version ff and all-zero ids are invalid; a future version may carry more fields. */
export function parseTraceparent(value: string | string[] | undefined): ParsedTraceparent | undefined {
  const text = firstValue(value);
  if (text === undefined) return undefined;
  const match = traceparentPattern.exec(text.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined)
    return undefined;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (allZero.test(traceId) || allZero.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

export function formatTraceparent(context: ParsedTraceparent): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}
