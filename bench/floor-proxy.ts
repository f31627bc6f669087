// A measuring stick, not the product: the default pipeline's work hand-fused into one function, to find its floor.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import {
  CircuitState,
  ConstantBackoff,
  circuitBreaker,
  handleWhenResult,
  retry,
  SamplingBreaker,
} from "cockatiel";
import { Counter, Histogram, Registry } from "prom-client";
import { type Dispatcher, Pool } from "undici";

/**
 * What Outrigger's defaults do per JSON request, each in its cheapest form, with no stages, exchange or
 * iterators between them: the request's JSON read for model and stream, the key swapped, a bulkhead count
 * and a token bucket, cockatiel's retry ∘ sampling breaker deciding on the status before any byte reaches
 * the client, a total deadline, a head timeout and an idle timer refreshed per chunk, undici's dispatch with
 * the answer written from its callbacks, hop-by-hop headers dropped, the answer's JSON read for usage and
 * finish reason, the rate-limit headers read, the seven metric series a JSON request moves, and one access
 * line batched to stdout. If this cannot reach a ratio, the pipeline cannot either (bench/README.md).
 */
const upstream = process.argv[2];
if (upstream === undefined) throw new Error("usage: floor-proxy.ts UPSTREAM_URL");
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });
const key = `Bearer ${process.env.BENCH_UPSTREAM_KEY ?? "sk-floor"}`;

const registry = new Registry();
const counter = (name: string, labelNames: string[]) =>
  new Counter({ name, help: name, labelNames, registers: [registry] });
const histogram = (name: string, labelNames: string[]) =>
  new Histogram({ name, help: name, labelNames, registers: [registry] });
const requests = counter("requests_total", ["provider", "model", "status_class", "outcome"]);
const attempts = counter("attempts_total", ["provider"]).labels({ provider: "deepseek" });
const duration = histogram("request_duration_seconds", ["provider", "status_class"]);
const operation = histogram("operation_duration_seconds", ["model"]);
const ttfb = histogram("ttfb_seconds", ["provider"]).labels({ provider: "deepseek" });
const tokens = histogram("token_usage", ["model", "type"]);
interface Series {
  readonly requests: Counter.Internal;
  readonly duration: Histogram.Internal<string>;
  readonly operation: Histogram.Internal<string>;
  readonly input: Histogram.Internal<string>;
  readonly output: Histogram.Internal<string>;
}
const seriesByKind = new Map<string, Series>();

interface Attempt {
  readonly status: number;
  readonly retry: boolean;
  readonly breakerFailure: boolean;
}
const retryPolicy = retry(
  handleWhenResult((result) => (result as Attempt).retry),
  { maxAttempts: 2, backoff: new ConstantBackoff(0) },
);
const breaker = circuitBreaker(
  handleWhenResult((result) => (result as Attempt).breakerFailure),
  {
    halfOpenAfter: 30_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 30_000, minimumRps: 1 }),
  },
);

let inFlight = 0;
let bucket = 1_000_000;
let refilled = performance.now();
function takeToken(): boolean {
  const now = performance.now();
  bucket = Math.min(1_000_000, bucket + (now - refilled) * 1000);
  refilled = now;
  if (bucket < 1) return false;
  bucket -= 1;
  return true;
}

let lines: string[] = [];
let scheduled = false;
function flushLines(): void {
  scheduled = false;
  const batch = lines.join("");
  lines = [];
  process.stdout.write(batch);
}

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"]);
const retryable = new Set([408, 429, 500, 502, 503, 504, 529]);

interface Seen {
  status: number;
  firstByte: number;
  chunks: Buffer[];
  json: boolean;
  remaining?: number;
}

function forward(
  body: Buffer,
  path: string,
  headers: IncomingHttpHeaders,
  response: ServerResponse,
  signal: AbortSignal,
  seen: Seen,
): Promise<Attempt> {
  attempts.inc();
  return new Promise((resolve, reject) => {
    const outgoing: Record<string, string | string[]> = {};
    for (const name in headers) {
      if (name === "host" || name === "authorization" || name === "x-api-key" || hopByHop.has(name)) continue;
      const value = headers[name];
      if (value !== undefined) outgoing[name] = value;
    }
    outgoing.authorization = key;
    const headTimer = setTimeout(() => reject(new Error("no head")), 30_000);
    let idleTimer: NodeJS.Timeout | undefined;
    let failed = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        signal.addEventListener("abort", () => controller.abort(new Error("client left")), { once: true });
      },
      onResponseStart(controller, statusCode, upstreamHeaders) {
        clearTimeout(headTimer);
        seen.status = statusCode;
        seen.firstByte = performance.now();
        // The retry boundary: a retryable status is decided on before anything reaches the client.
        if (retryable.has(statusCode)) {
          failed = true;
          resolve({ status: statusCode, retry: true, breakerFailure: statusCode >= 500 });
          controller.abort(new Error("retried"));
          return;
        }
        const remaining = upstreamHeaders["x-ratelimit-remaining-requests"];
        if (typeof remaining === "string") seen.remaining = Number(remaining);
        const out: Record<string, string | string[]> = {};
        for (const name in upstreamHeaders) {
          if (hopByHop.has(name)) continue;
          const value = upstreamHeaders[name];
          if (value !== undefined) out[name] = value;
        }
        seen.json = String(upstreamHeaders["content-type"] ?? "").startsWith("application/json");
        response.writeHead(statusCode, out);
        response.on("drain", () => controller.resume());
        idleTimer = setTimeout(() => controller.abort(new Error("idle")), 300_000);
      },
      onResponseData(controller, chunk) {
        idleTimer?.refresh();
        if (seen.json) seen.chunks.push(chunk);
        if (!response.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        clearTimeout(idleTimer);
        if (failed) return;
        response.end();
        resolve({ status: seen.status, retry: false, breakerFailure: false });
      },
      onResponseError(_controller, error) {
        clearTimeout(headTimer);
        clearTimeout(idleTimer);
        if (!failed) reject(error);
      },
    };
    pool.dispatch({ method: "POST", path, headers: outgoing, body }, handler);
  });
}

function readAnswer(seen: Seen): { input?: number; output?: number; finish?: string } {
  if (!seen.json) return {};
  try {
    const answer = JSON.parse(Buffer.concat(seen.chunks).toString()) as {
      usage?: { prompt_tokens?: number; completion_tokens?: number };
      choices?: { finish_reason?: string }[];
    };
    const found: { input?: number; output?: number; finish?: string } = {};
    if (typeof answer.usage?.prompt_tokens === "number") found.input = answer.usage.prompt_tokens;
    if (typeof answer.usage?.completion_tokens === "number") found.output = answer.usage.completion_tokens;
    const finish = answer.choices?.[0]?.finish_reason;
    if (typeof finish === "string") found.finish = finish;
    return found;
  } catch {
    return {};
  }
}

const field = (name: string, value: string | number | undefined): string =>
  value === undefined ? "" : `,"${name}":${typeof value === "string" ? JSON.stringify(value) : value}`;

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
  const start = performance.now();
  const id = randomUUID();
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const url = request.url ?? "/";
    const rest = url.slice(url.indexOf("/", 1));
    let model: string | undefined;
    let stream = false;
    try {
      const parsed = JSON.parse(body.toString()) as { model?: unknown; stream?: unknown };
      if (typeof parsed.model === "string") model = parsed.model;
      stream = parsed.stream === true;
    } catch {}
    // The bulkhead and the bucket as counters: over either, the request is refused (never here).
    if (inFlight >= 256 || !takeToken() || breaker.state === CircuitState.Open) {
      response.writeHead(429).end();
      return;
    }
    inFlight++;
    const seen: Seen = { status: 0, firstByte: 0, chunks: [], json: false };
    const deadline = setTimeout(() => controller.abort(), 600_000);
    const requestSent = performance.now();
    retryPolicy
      .execute(() =>
        breaker.execute(() => forward(body, rest, request.headers, response, controller.signal, seen)),
      )
      .then(
        (attempt) => {
          clearTimeout(deadline);
          inFlight--;
          if (attempt.retry) response.writeHead(attempt.status).end();
          const answer = readAnswer(seen);
          const end = performance.now();
          const statusClass = `${Math.floor(seen.status / 100)}xx`;
          const outcome = seen.status < 400 ? "success" : "error";
          const modelLabel = model ?? "_unknown";
          const kind = `${modelLabel}\u0001${statusClass}\u0001${outcome}`;
          let series = seriesByKind.get(kind);
          if (series === undefined) {
            series = {
              requests: requests.labels({
                provider: "deepseek",
                model: modelLabel,
                status_class: statusClass,
                outcome,
              }),
              duration: duration.labels({ provider: "deepseek", status_class: statusClass }),
              operation: operation.labels({ model: modelLabel }),
              input: tokens.labels({ model: modelLabel, type: "input" }),
              output: tokens.labels({ model: modelLabel, type: "output" }),
            };
            seriesByKind.set(kind, series);
          }
          const seconds = (end - start) / 1000;
          series.requests.inc();
          series.duration.observe(seconds);
          series.operation.observe(seconds);
          ttfb.observe((seen.firstByte - requestSent) / 1000);
          if (answer.input !== undefined) series.input.observe(answer.input);
          if (answer.output !== undefined) series.output.observe(answer.output);
          lines.push(
            `{"level":30,"time":"${new Date().toISOString()}","pid":${process.pid}${field("exchange", id)}${field("method", request.method)}${field("path", url)},"door":"proxy","provider":"deepseek"${field("model", model)},"stream":${stream},"status":${seen.status},"outcome":"${outcome}","attempts":1${field("durationMs", Math.round((end - start) * 10) / 10)}${field("inputTokens", answer.input)}${field("outputTokens", answer.output)}${field("finishReason", answer.finish)},"keyId":"env:BENCH_UPSTREAM_KEY","msg":"request"}\n`,
          );
          if (!scheduled) {
            scheduled = true;
            setImmediate(flushLines);
          }
        },
        () => {
          clearTimeout(deadline);
          inFlight--;
          response.destroy();
        },
      );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
