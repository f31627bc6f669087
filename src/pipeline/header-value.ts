// The first value of a header: Node gives a header sent more than once as an array.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** The first of a repeated header's values, numbers (outgoing headers) as text. */
export function firstValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : String(value);
}

export function firstHeader(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined,
  name: string,
): string | undefined {
  return firstValue(headers?.[name]);
}
