// Answers one provider request: applies its scripted step (stalls, canned responses, cuts…) around the fixture replay.
import { type IncomingHttpHeaders, type ServerResponse, STATUS_CODES } from "node:http";
import { cutConnection, pause, writeChunk, writeChunks } from "./chunk-writer.ts";
import { dialectError, notFound, type SimpleResponse, streamErrorEvent } from "./dialect-responses.ts";
import type { FaultStep } from "./fault-script.ts";
import { chooseFixture } from "./fixture-choice.ts";
import type { SimulatorDialect } from "./fixture-framing.ts";
import type { FixtureStore } from "./fixture-store.ts";
import { syntheticStream } from "./synthetic-stream.ts";

export interface ReplayContext {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly response: ServerResponse;
  readonly dialect: SimulatorDialect;
  /** False for paths no provider serves: the normal answer is then an in-dialect 404. */
  readonly knownEndpoint: boolean;
  readonly step: FaultStep | undefined;
  readonly store: FixtureStore;
  readonly chunkLatency: number;
  readonly firstByteDelay: number;
  readonly requestId: string;
  readonly signal: AbortSignal;
  /** Tells the server what went out, for the request log. */
  readonly onResponse: (status: number, fixture: string | undefined) => void;
  readonly onCut: () => void;
}

const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
/** DeepSeek's documented interval is unspecified; ~200 ms is what a waiting client typically observes. */
const keepAliveInterval = 200;

/** A numeric `x-simulator-*` header (`5`, `5ms`), or undefined when absent or not a number. */
export function numericHeader(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headers[name];
  const value = Number.parseFloat(Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? ""));
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function requestIdHeader(dialect: SimulatorDialect, requestId: string): Record<string, string> {
  return dialect === "anthropic" ? { "request-id": requestId } : { "x-request-id": requestId };
}

function sendSimple(
  context: ReplayContext,
  simple: SimpleResponse,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  const headers = {
    ...requestIdHeader(context.dialect, context.requestId),
    ...simple.headers,
    ...extraHeaders,
  };
  context.onResponse(simple.status, undefined);
  context.response.writeHead(simple.status, {
    ...headers,
    "content-length": String(Buffer.byteLength(simple.body)),
  });
  context.response.end(simple.body);
}

/** A scripted `respond`: a missing error body becomes the dialect's own error shape for that status. */
function cannedResponse(context: ReplayContext, respond: NonNullable<FaultStep["respond"]>): SimpleResponse {
  const { status, body } = respond;
  if (body === undefined) {
    if (status < 400) return { status, headers: {}, body: "" };
    return dialectError(
      context.dialect,
      status,
      status === 529 ? "Overloaded" : (STATUS_CODES[status] ?? "Error"),
    );
  }
  if (typeof body !== "string")
    return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  let contentType = "application/json";
  try {
    JSON.parse(body);
  } catch {
    contentType = "text/plain; charset=utf-8";
  }
  return { status, headers: { "content-type": contentType }, body };
}

/** DeepSeek while queued: `: keep-alive` comments (and blank lines) on a stream, blank lines before a JSON body. */
async function sendKeepAlive(context: ReplayContext, duration: number, streaming: boolean): Promise<void> {
  const started = Date.now();
  let tick = 0;
  while (!context.signal.aborted && Date.now() - started < duration) {
    await writeChunk(
      context.response,
      streaming && tick % 2 === 0 ? ": keep-alive\n\n" : "\n",
      context.signal,
    );
    tick += 1;
    await pause(Math.min(keepAliveInterval, duration - (Date.now() - started)), context.signal);
  }
}

async function sendFirstEventError(
  context: ReplayContext,
  error: NonNullable<FaultStep["firstEventError"]>,
): Promise<void> {
  const { response, signal, step } = context;
  context.onResponse(200, undefined);
  response.writeHead(200, {
    ...sseHeaders,
    ...requestIdHeader(context.dialect, context.requestId),
    ...step?.headers,
  });
  response.flushHeaders();
  if (step?.keepAlive !== undefined) await sendKeepAlive(context, step.keepAlive, true);
  const type = error.type ?? "overloaded_error";
  const message = error.message ?? (type === "overloaded_error" ? "Overloaded" : "Simulated error");
  await writeChunk(response, streamErrorEvent(context.dialect, type, message), signal);
  if (!signal.aborted) response.end();
}

/** Runs the step's faults in wire order: before the head, the head, after the head, the body. */
export async function replayRequest(context: ReplayContext): Promise<void> {
  const { step, signal, response, dialect } = context;
  if (step !== undefined && "stallBeforeHead" in step) {
    await pause(typeof step.stallBeforeHead === "number" ? step.stallBeforeHead : undefined, signal);
  }
  await pause(context.firstByteDelay, signal);
  if (signal.aborted) return;
  if (step?.respond !== undefined) {
    sendSimple(context, cannedResponse(context, step.respond), { ...step.respond.headers, ...step.headers });
    return;
  }
  if (!context.knownEndpoint) {
    sendSimple(context, notFound(dialect, context.method, context.path), step?.headers);
    return;
  }
  if (step?.firstEventError !== undefined) {
    await sendFirstEventError(context, step.firstEventError);
    return;
  }
  const result = chooseFixture(dialect, context.headers, context.body, step?.fixture);
  if (!result.chosen) {
    sendSimple(context, dialectError(dialect, 400, result.message), step?.headers);
    return;
  }
  const { choice } = result;
  const syntheticSize = numericHeader(context.headers, "x-simulator-size");
  let status = 200;
  let headers: Readonly<Record<string, string>> = sseHeaders;
  let chunks: Iterable<Buffer>;
  let streaming = true;
  let fixtureFile: string | undefined;
  if (syntheticSize !== undefined && choice.streaming) {
    chunks = syntheticStream(dialect, Math.floor(syntheticSize), choice.model || "simulated-model");
  } else {
    const lookup = context.store.lookup(choice.name, choice.streaming);
    if (!lookup.found) {
      sendSimple(context, dialectError(dialect, 400, `simulator: ${lookup.message}`), step?.headers);
      return;
    }
    ({ status, headers, chunks, streaming } = lookup.fixture);
    fixtureFile = lookup.fixture.file;
  }
  const head: Record<string, string> = {
    ...requestIdHeader(dialect, context.requestId),
    ...headers,
    ...step?.headers,
  };
  const bodyChunks = streaming ? undefined : [...chunks];
  if (bodyChunks !== undefined && step?.keepAlive === undefined) {
    head["content-length"] = String(bodyChunks.reduce((total, chunk) => total + chunk.length, 0));
  }
  context.onResponse(status, fixtureFile);
  response.writeHead(status, head);
  if (step?.keepAlive !== undefined || step?.stallAfterHead !== undefined) response.flushHeaders();
  if (step?.keepAlive !== undefined) await sendKeepAlive(context, step.keepAlive, streaming);
  if (step?.stallAfterHead !== undefined) await pause(step.stallAfterHead, signal);
  if (signal.aborted) return;
  if (bodyChunks !== undefined && step?.cutAfterEvents !== undefined) {
    // A JSON body has no events to count: cut it in half so the client sees a truncated body.
    const body = Buffer.concat(bodyChunks);
    await writeChunk(response, body.subarray(0, Math.floor(body.length / 2)), signal);
    context.onCut();
    await cutConnection(response, signal);
    return;
  }
  await writeChunks(response, bodyChunks ?? chunks, {
    latency:
      step?.slowDrip ?? numericHeader(context.headers, "x-simulator-chunk-latency") ?? context.chunkLatency,
    cutAfter: step?.cutAfterEvents,
    onCut: context.onCut,
    signal,
  });
}
