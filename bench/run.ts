// `npm run bench`: direct, a bare undici pass-through and Outrigger arms, measured alternately in one run.
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ProxyAgent } from "undici";
import {
  anthropicStreamRequest,
  jsonRequest,
  type LoadResult,
  type LoadTarget,
  percentile,
  runLoad,
  streamRequest,
} from "./load.ts";
import { type Started, startBaseline, startFloor, startOutrigger, startUpstream, stop } from "./processes.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
  },
});
const connections = Number(values.connections);
const durationMs = Number(values.duration) * 1000;
const rounds = Number(values.rounds);

interface Arm {
  readonly name: string;
  /** The arm this one's ratio is taken against. */
  readonly versus?: string;
  readonly target: LoadTarget;
}

/** A local OTLP/HTTP sink so the telemetry arm really exports, without measuring a collector. */
function startTraceSink(): Promise<{ url: string; close: () => void; received: () => number }> {
  let received = 0;
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => server.close(),
        received: () => received,
      }),
    ),
  );
}

const providerFor = (upstream: string, extra: Record<string, unknown> = {}) => ({
  deepseek: { protocol: "openai", baseUrl: upstream, credentials: [{ env: "BENCH_UPSTREAM_KEY" }], ...extra },
});

const upstream = await startUpstream();
const started: Started[] = [upstream];
const sink = await startTraceSink();
try {
  const baseline = await startBaseline(upstream.url);
  started.push(baseline);
  const floor = await startFloor(upstream.url);
  started.push(floor);
  const listen = { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" };
  const outrigger = await startOutrigger({ listen, providers: providerFor(upstream.url) });
  started.push(outrigger);
  const traced = await startOutrigger(
    { listen, providers: providerFor(upstream.url), telemetry: { tracing: { enabled: true } } },
    { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: "outrigger-bench" },
  );
  started.push(traced);
  const caDirectory = mkdtempSync(join(tmpdir(), "outrigger-bench-ca-"));
  const intercepting = await startOutrigger({
    listen: { ...listen, intercept: "127.0.0.1:0" },
    providers: providerFor(upstream.url, { hosts: ["api.deepseek.com"] }),
    intercept: { ca: { generate: caDirectory } },
  });
  started.push(intercepting);
  const interceptUrl = intercepting.urls.intercept;
  const ca = readFileSync(join(caDirectory, "ca.pem"), "utf8");

  const path = (origin: string, route: string) => ({ origin, path: route });
  const arms: Arm[] = [
    {
      name: "direct",
      versus: "baseline",
      target: { ...path(upstream.url, "/chat/completions"), body: jsonRequest },
    },
    { name: "baseline", target: { ...path(baseline.url, "/chat/completions"), body: jsonRequest } },
    {
      name: "floor (the defaults' work hand-fused, not Outrigger)",
      versus: "baseline",
      target: { ...path(floor.url, "/deepseek/chat/completions"), body: jsonRequest },
    },
    {
      name: "outrigger",
      versus: "baseline",
      target: { ...path(outrigger.url, "/deepseek/chat/completions"), body: jsonRequest },
    },
    {
      name: "outrigger + tracing + metrics",
      versus: "baseline",
      target: { ...path(traced.url, "/deepseek/chat/completions"), body: jsonRequest },
    },
    ...(interceptUrl === undefined
      ? []
      : [
          {
            name: "outrigger forward-proxy door (TLS to client)",
            versus: "baseline",
            target: {
              origin: "https://api.deepseek.com",
              path: "/chat/completions",
              body: jsonRequest,
              dispatcher: (count: number) =>
                new ProxyAgent({ uri: interceptUrl, connections: count, requestTls: { ca } }),
            },
          },
        ]),
    { name: "baseline stream", target: { ...path(baseline.url, "/chat/completions"), body: streamRequest } },
    {
      name: "outrigger stream pass-through",
      versus: "baseline stream",
      target: { ...path(outrigger.url, "/deepseek/chat/completions"), body: streamRequest },
    },
    {
      name: "outrigger stream converted (Anthropic client → DeepSeek)",
      versus: "baseline stream",
      target: { ...path(outrigger.url, "/v1/messages"), body: anthropicStreamRequest },
    },
  ].filter((arm) => values.only === undefined || arm.name === "baseline" || arm.name.includes(values.only));

  // Warm-up: JIT, pools and keep-alive connections, not measured.
  for (const arm of arms) await runLoad(arm.target, connections, 1_000);

  const results = new Map<string, LoadResult[]>(arms.map((arm) => [arm.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const arm of arms) results.get(arm.name)?.push(await runLoad(arm.target, connections, durationMs));
  }

  const summary = new Map(
    arms.map((arm) => {
      const runs = results.get(arm.name) ?? [];
      const requests = runs.reduce((sum, run) => sum + run.requests, 0);
      const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
      const errors = runs.reduce((sum, run) => sum + run.errors, 0);
      const latencies = Float64Array.from(runs.flatMap((run) => [...run.latenciesMs])).sort();
      return [
        arm.name,
        {
          rps: requests / seconds,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          errors,
        },
      ];
    }),
  );
  const cpu = cpus()[0]?.model ?? "cpu";
  const lines = [
    `${new Date().toISOString().slice(0, 10)} · ${cpus().length} × ${cpu} · Node ${process.version} · ${connections} connections · ${rounds} rounds × ${durationMs / 1000} s per arm, alternated · trace sink received ${(sink.received() / 1024).toFixed(0)} KiB`,
    "",
    "| arm | requests/s | p50 ms | p99 ms | errors | ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...arms.map((arm) => {
      const row = summary.get(arm.name)!;
      const versus = arm.versus === undefined ? undefined : summary.get(arm.versus);
      const ratio = versus === undefined ? "—" : `${(row.rps / versus.rps).toFixed(2)} × ${arm.versus}`;
      return `| ${arm.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.errors} | ${ratio} |`;
    }),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  sink.close();
  await Promise.all(started.map(stop));
}
