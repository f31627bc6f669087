// The fake provider server: replays recorded Anthropic/OpenAI/DeepSeek responses with scripted faults over plain HTTP.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { controlPrefix, handleControl } from "./control-api.ts";
import { dialectError, dialectOf } from "./dialect-responses.ts";
import { FaultScript, type FaultStep, parseFaultScript } from "./fault-script.ts";
import { FixtureStore, fixturesDirectory } from "./fixture-store.ts";
import { numericHeader, replayRequest } from "./replay-request.ts";

export interface SimulatorOptions {
  /** Interface to bind; 127.0.0.1 unless set. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Milliseconds between body chunks (default 0); `x-simulator-chunk-latency` overrides per request. */
  readonly chunkLatency?: number;
  /** Milliseconds before the response head (default 0); `x-simulator-first-byte-delay` overrides per request. */
  readonly firstByteDelay?: number;
  /** Fixtures folder; defaults to fixturesDirectory(). */
  readonly fixtures?: string;
  /** Initial fault script. */
  readonly script?: readonly FaultStep[];
  /** Oldest entries of the request log are dropped beyond this many (default 10 000), so a benchmark run stays flat. */
  readonly maxRecordedRequests?: number;
}

/** One request as the simulator saw it; the close fields change while the response runs. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The raw request target, query included. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms when the request head arrived. */
  readonly receivedAt: number;
  /** True when the client closed the connection before the response was complete. */
  clientClosedEarly: boolean;
  /** Epoch ms of that early close. */
  closedAt: number | undefined;
  /** Epoch ms when the response was completely written. */
  finishedAt: number | undefined;
  /** Status sent (undefined while stalled before the head). */
  status: number | undefined;
  /** Fixture file replayed, e.g. `anthropic/anthropic-text.chunks.txt`. */
  fixture: string | undefined;
  /** The scripted step this request consumed. */
  step: FaultStep | undefined;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` (the bound host when it is a specific address). */
  readonly url: string;
  readonly port: number;
  /** Every provider request received, in arrival order (control API calls are not recorded). */
  readonly requests: readonly RecordedRequest[];
  /** Replaces the fault script; steps are validated like the control API's. */
  script(steps: readonly FaultStep[]): void;
  /** Clears the request log and the script. */
  reset(): void;
  /** Stops listening and drops open connections, stalled ones included. */
  close(): Promise<void>;
}

const providerEndpoints = new Set(["/v1/messages", "/chat/completions", "/v1/chat/completions"]);

function urlHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const store = new FixtureStore(options.fixtures ?? fixturesDirectory());
  const faultScript = new FaultScript();
  if (options.script !== undefined) faultScript.replace(parseFaultScript(options.script));
  const requests: RecordedRequest[] = [];
  let requestCount = 0;
  let closing = false;
  const maxRecorded = options.maxRecordedRequests ?? 10_000;

  const control = {
    requests,
    script: (steps: unknown) => faultScript.replace(parseFaultScript(steps)),
    pendingSteps: () => faultScript.pending,
    reset: () => {
      requests.length = 0;
      faultScript.replace([]);
    },
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const url = request.url ?? "/";
    const path = url.split("?")[0] ?? "/";
    if (path.startsWith(controlPrefix)) {
      handleControl(control, method, path, await readBody(request), response);
      return;
    }
    const record: RecordedRequest = {
      method,
      path,
      url,
      headers: request.headers,
      body: "",
      receivedAt: Date.now(),
      clientClosedEarly: false,
      closedAt: undefined,
      finishedAt: undefined,
      status: undefined,
      fixture: undefined,
      step: undefined,
    };
    requests.push(record);
    // Trim in batches so a long run does not pay an O(n) shift per request.
    if (requests.length > maxRecorded * 1.1) requests.splice(0, requests.length - maxRecorded);
    requestCount += 1;
    const controller = new AbortController();
    let cut = false;
    response.on("finish", () => {
      record.finishedAt = Date.now();
    });
    response.on("close", () => {
      if (!response.writableFinished && !cut && !closing) {
        record.clientClosedEarly = true;
        record.closedAt = Date.now();
      }
      controller.abort();
    });
    record.body = await readBody(request);
    const step = faultScript.take(path);
    record.step = step;
    const dialect = dialectOf(path, request.headers);
    await replayRequest({
      method,
      path,
      headers: request.headers,
      body: record.body,
      response,
      dialect,
      knownEndpoint: method === "POST" && providerEndpoints.has(path),
      step,
      store,
      chunkLatency: options.chunkLatency ?? 0,
      firstByteDelay:
        numericHeader(request.headers, "x-simulator-first-byte-delay") ?? options.firstByteDelay ?? 0,
      requestId: `req_simulated_${requestCount}`,
      signal: controller.signal,
      onResponse: (status, fixture) => {
        record.status = status;
        record.fixture = fixture;
      },
      onCut: () => {
        cut = true;
      },
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      const message = `simulator failed: ${error instanceof Error ? error.message : String(error)}`;
      const failure = dialectError(dialectOf(request.url ?? "/", request.headers), 500, message);
      response.writeHead(failure.status, failure.headers);
      response.end(failure.body);
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    requests,
    script: (steps) => control.script(steps),
    reset: control.reset,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
