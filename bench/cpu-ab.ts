// `node bench/cpu-ab.ts`: Outrigger trees (or env switches) compared by main-thread CPU per request, rounds alternated.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { anthropicStreamRequest, jsonRequest, runLoad, streamRequest } from "./load.ts";
import { type Started, startUpstream, stop } from "./processes.ts";

/**
 * Requests per second swing ±10–20 % between runs on a shared 2-core machine; the CPU the proxy's main
 * thread spends per request is steadier, and what caps throughput. Each variant is a source tree (a
 * checkout of another commit, say) and extra environment for its process:
 *
 *   VARIANTS='[{"label":"before","root":"/tmp/before"},{"label":"after","root":"."}]' node bench/cpu-ab.ts
 *
 * Options by environment: ROUNDS (4), ROUND_SECONDS per round (2), STREAM=1 for the SSE answer,
 * CONVERTED=1 for the SSE answer converted for an Anthropic-dialect client (bench/run.ts's converted arm),
 * TRACING=1 for tracing on, exporting to a local sink, PIN=1 to pin the proxies to one core and the client
 * and upstream to the other (steadier).
 */
interface Variant {
  readonly label: string;
  readonly root: string;
  readonly env?: Record<string, string>;
  /** Node/V8 flags for its process instead of `npm start`'s (BENCH_NODE_FLAGS). */
  readonly flags?: string;
}

const variants = JSON.parse(process.env.VARIANTS ?? '[{"label":"this tree","root":"."}]') as Variant[];
const rounds = Number(process.env.ROUNDS ?? 4);
const seconds = Number(process.env.ROUND_SECONDS ?? 2);
const convertedArm = process.env.CONVERTED === "1";
const body = convertedArm ? anthropicStreamRequest : process.env.STREAM === "1" ? streamRequest : jsonRequest;

/** User plus system CPU of the process's main thread, in microseconds (clock ticks of 10 ms). */
function mainThreadCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const quantile = (values: readonly number[], fraction: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * fraction)] ?? Number.NaN;
const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Takes whatever the OTLP exporter sends and says 200, so the tracing variant really exports. */
const sink = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
await new Promise<void>((resolveListen) => sink.listen(0, "127.0.0.1", resolveListen));
const tracing = process.env.TRACING === "1";
const tracingEnv: Record<string, string> = tracing
  ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` }
  : {};

const upstream = await startUpstream();
const started: Started[] = [];
try {
  for (const variant of variants) {
    const processes = (await import(
      resolve(variant.root, "bench/processes.ts")
    )) as typeof import("./processes.ts");
    const config = {
      listen: { proxy: "127.0.0.1:0", admin: "127.0.0.1:0" },
      providers: {
        deepseek: { protocol: "openai", baseUrl: upstream.url, credentials: [{ env: "BENCH_UPSTREAM_KEY" }] },
      },
      ...(tracing ? { telemetry: { tracing: { enabled: true } } } : {}),
    };
    const startFlags = process.env.BENCH_NODE_FLAGS;
    if (variant.flags !== undefined) process.env.BENCH_NODE_FLAGS = variant.flags;
    started.push(await processes.startOutrigger(config, { ...tracingEnv, ...(variant.env ?? {}) }));
    if (startFlags === undefined) delete process.env.BENCH_NODE_FLAGS;
    else process.env.BENCH_NODE_FLAGS = startFlags;
  }
  const target = (outrigger: Started) => ({
    origin: outrigger.url,
    path: convertedArm ? "/v1/messages" : "/deepseek/chat/completions",
    body,
  });
  if (process.env.PIN === "1") {
    // The proxies on one core, the client and upstream on the other: the proxy's CPU per request no longer
    // depends on which of them the scheduler put beside it.
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(upstream.child.pid)], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    for (const outrigger of started) {
      execFileSync("taskset", ["-a", "-p", "-c", "1", String(outrigger.child.pid)], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
  }
  for (const outrigger of started) await runLoad(target(outrigger), 32, 2_000);
  const cpu = variants.map(() => [] as number[]);
  const rates = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    // A B, then B A: a variant's place in the round does not favour it.
    const order = [...started.entries()];
    if (round % 2 === 1) order.reverse();
    for (const [index, outrigger] of order) {
      const pid = outrigger.child.pid ?? 0;
      const before = mainThreadCpu(pid);
      const result = await runLoad(target(outrigger), 32, seconds * 1000);
      cpu[index]?.push((mainThreadCpu(pid) - before) / result.requests);
      rates[index]?.push(result.requests / result.seconds);
    }
  }
  // Interference only adds CPU: the lower quartile is the steadier figure when rounds are many.
  process.stdout.write(
    "| variant | main-thread CPU µs/request (median) | lower quartile | against the first, round by round (median) | rounds | requests/s (median) |\n",
  );
  process.stdout.write("| --- | ---: | ---: | ---: | --- | ---: |\n");
  // Load on the machine comes in waves that hit neighbouring rounds alike: a ratio per round cancels them.
  const against = (index: number): string => {
    const ratios = (cpu[index] ?? []).map((value, round) => value / (cpu[0]?.[round] ?? Number.NaN));
    return `${((median(ratios) - 1) * 100).toFixed(1)} %`;
  };
  for (const [index, variant] of variants.entries()) {
    const perRound = (cpu[index] ?? []).map((value) => value.toFixed(0)).join(" ");
    process.stdout.write(
      `| ${variant.label} | ${median(cpu[index] ?? []).toFixed(1)} | ${quantile(cpu[index] ?? [], 0.25).toFixed(1)} | ${against(index)} | ${perRound} | ${median(rates[index] ?? []).toFixed(0)} |\n`,
    );
  }
} finally {
  for (const outrigger of started) await stop(outrigger);
  await stop(upstream);
  sink.close();
}
