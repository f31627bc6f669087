// Turns recorded fixture files back into the SSE events a provider would put on the wire.

/** The wire dialects the simulator speaks; DeepSeek and OpenAI-compatible gateways share `openai`. */
export type SimulatorDialect = "anthropic" | "openai";

const doneEvent = Buffer.from("data: [DONE]\n\n");

/** The non-empty lines of a `*.chunks.txt` file: one JSON payload per line. */
export function chunkLines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}

/** Anthropic names each event after the payload's `type`; a line without one is still framed, as `message`. */
function anthropicEventType(line: string): string {
  try {
    const payload: unknown = JSON.parse(line);
    if (
      typeof payload === "object" &&
      payload !== null &&
      "type" in payload &&
      typeof payload.type === "string"
    ) {
      return payload.type;
    }
  } catch {
    // A malformed recording line is replayed as is: decoders must meet it the way they would in the wild.
  }
  return "message";
}

/**
 * Frames a `*.chunks.txt` recording: OpenAI and DeepSeek send `data: <line>` and end with `[DONE]`;
 * Anthropic names every event and sends no `[DONE]`.
 */
export function frameChunkLines(lines: readonly string[], dialect: SimulatorDialect): Buffer[] {
  if (dialect === "anthropic") {
    return lines.map((line) => Buffer.from(`event: ${anthropicEventType(line)}\ndata: ${line}\n\n`));
  }
  return [...lines.map((line) => Buffer.from(`data: ${line}\n\n`)), doneEvent];
}

/**
 * Splits raw SSE bytes into events after each blank line, keeping every byte (padding, CRs, a
 * missing final newline) so that the concatenation is the input exactly.
 */
export function splitRawEvents(raw: Buffer): Buffer[] {
  const events: Buffer[] = [];
  let start = 0;
  let index = 0;
  while (index < raw.length) {
    const end = blankLineEnd(raw, index);
    if (end === -1) {
      index += 1;
      continue;
    }
    events.push(raw.subarray(start, end));
    start = end;
    index = end;
  }
  if (start < raw.length) events.push(raw.subarray(start));
  return events;
}

/** If a blank line (LF LF, CR LF CR LF or CR CR) starts at `index`, the offset just after it, else -1. */
function blankLineEnd(raw: Buffer, index: number): number {
  const lf = 0x0a;
  const cr = 0x0d;
  if (raw[index] === lf && raw[index + 1] === lf) return index + 2;
  if (raw[index] === cr && raw[index + 1] === lf && raw[index + 2] === cr && raw[index + 3] === lf)
    return index + 4;
  if (raw[index] === cr && raw[index + 1] === cr) return index + 2;
  return -1;
}
