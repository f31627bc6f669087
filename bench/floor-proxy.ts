// A measuring stick, not the product: the default pipeline's work hand-fused into one function, to find its floor.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { ConsecutiveBreaker, circuitBreaker, ExponentialBackoff, handleWhen, retry, wrap } from "cockatiel";
import { Counter, Histogram, Registry } from "prom-client";
import { type Dispatcher, Pool } from "undici";

/**
 * What Outrigger's defaults do per request, each in its cheapest form, with no stages, exchange or
 * iterators between them: the request's JSON read for model and stream, the key swapped, a bulkhead slot
 * and a token bucket, cockatiel's retry ∘ breaker with a deadline, undici's dispatch with the response
 * written from its callbacks, hop-by-hop headers dropped, the answer's JSON read for usage and finish
 * reason, the rate-limit headers read, two metric series moved and one access line batched to stdout.
 * If this cannot reach a ratio, the pipeline cannot either (bench/README.md).
 */
const upstream = process.argv[2];
if (upstream === undefined) throw new Error("usage: floor-proxy.ts UPSTREAM_URL");
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });
const key = `Bearer ${process.env.BENCH_UPSTREAM_KEY ?? "sk-floor"}`;

const registry = new Registry();
const requests = new Counter({
  name: "requests_total",
  help: "requests",
  labelNames: ["provider", "model", "status_class", "outcome"],
  registers: [registry],
});
const duration = new Histogram({
  name: "request_duration_seconds",
  help: "duration",
  labelNames: ["provider", "status_class"],
  registers: [registry],
});
const requestSeries = new Map<string, Counter.Internal>();
const durationSeries = duration.labels({ provider: "deepseek", status_class: "2xx" });

const policy = wrap(
  retry(
    handleWhen(() => false),
    { maxAttempts: 2, backoff: new ExponentialBackoff() },
  ),
  circuitBreaker(
    handleWhen(() => false),
    { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) },
  ),
);

let inFlight = 0;
let tokens = 1_000_000;
let refilled = performance.now();
function takeToken(): boolean {
  const now = performance.now();
  tokens = Math.min(1_000_000, tokens + (now - refilled) * 1000);
  refilled = now;
  if (tokens < 1) return false;
  tokens -= 1;
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

function forward(
  body: Buffer,
  path: string,
  headers: IncomingHttpHeaders,
  response: ServerResponse,
  signal: AbortSignal,
  seen: { status: number; chunks: Buffer[]; json: boolean; remaining?: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing: Record<string, string | string[]> = {};
    for (const name in headers) {
      if (name === "host" || name === "authorization" || name === "x-api-key" || hopByHop.has(name)) continue;
      const value = headers[name];
      if (value !== undefined) outgoing[name] = value;
    }
    outgoing.authorization = key;
    const deadline = setTimeout(() => reject(new Error("deadline")), 600_000);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        signal.addEventListener("abort", () => controller.abort(new Error("client left")), { once: true });
      },
      onResponseStart(controller, statusCode, upstreamHeaders) {
        seen.status = statusCode;
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
      },
      onResponseData(controller, chunk) {
        if (seen.json) seen.chunks.push(chunk);
        if (!response.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        clearTimeout(deadline);
        response.end();
        resolve();
      },
      onResponseError(_controller, error) {
        clearTimeout(deadline);
        reject(error);
      },
    };
    pool.dispatch({ method: "POST", path, headers: outgoing, body }, handler);
  });
}

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
    const slash = url.indexOf("/", 1);
    const rest = url.slice(slash);
    let model: string | undefined;
    let stream = false;
    try {
      const parsed = JSON.parse(body.toString()) as { model?: unknown; stream?: unknown };
      if (typeof parsed.model === "string") model = parsed.model;
      stream = parsed.stream === true;
    } catch {}
    const seen = { status: 0, chunks: [] as Buffer[], json: false };
    // The bulkhead and the bucket as counters: over either, the request is refused (never here).
    if (inFlight >= 256 || !takeToken()) {
      response.writeHead(429).end();
      return;
    }
    inFlight++;
    policy
      .execute(() => forward(body, rest, request.headers, response, controller.signal, seen))
      .then(
        () => {
          inFlight--;
          let inputTokens: number | undefined;
          let outputTokens: number | undefined;
          let finishReason: string | undefined;
          if (seen.json) {
            const answer = JSON.parse(Buffer.concat(seen.chunks).toString()) as {
              usage?: { prompt_tokens?: number; completion_tokens?: number };
              choices?: { finish_reason?: string }[];
            };
            inputTokens = answer.usage?.prompt_tokens;
            outputTokens = answer.usage?.completion_tokens;
            finishReason = answer.choices?.[0]?.finish_reason;
          }
          const end = performance.now();
          const kind = `${model}\u0001${seen.status}`;
          let series = requestSeries.get(kind);
          if (series === undefined) {
            series = requests.labels({
              provider: "deepseek",
              model: model ?? "",
              status_class: "2xx",
              outcome: "success",
            });
            requestSeries.set(kind, series);
          }
          series.inc();
          durationSeries.observe((end - start) / 1000);
          lines.push(
            `{"level":30,"time":"${new Date().toISOString()}","pid":${process.pid},"exchange":"${id}","method":"POST","path":${JSON.stringify(url)},"door":"proxy","provider":"deepseek","model":${JSON.stringify(model)},"stream":${stream},"status":${seen.status},"outcome":"success","attempts":1,"durationMs":${Math.round((end - start) * 10) / 10},"inputTokens":${inputTokens},"outputTokens":${outputTokens},"finishReason":${JSON.stringify(finishReason)},"keyId":"env:BENCH_UPSTREAM_KEY","msg":"request"}\n`,
          );
          if (!scheduled) {
            scheduled = true;
            setImmediate(flushLines);
          }
        },
        () => {
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
