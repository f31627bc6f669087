// Reads model and stream flag from a JSON request body without trusting it; shared by every JSON protocol.
import type { RequestSummary } from "./provider-adapter.ts";

export function summarizeJsonRequest(body: Buffer): RequestSummary {
  if (body.length === 0) return { stream: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    // Not JSON: the upstream decides what to make of it.
    return { stream: false };
  }
  if (typeof parsed !== "object" || parsed === null) return { stream: false };
  const record = parsed as Record<string, unknown>;
  return {
    ...(typeof record.model === "string" ? { model: record.model } : {}),
    stream: record.stream === true,
  };
}
