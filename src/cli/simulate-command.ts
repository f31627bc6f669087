// `outrigger simulate`: runs the fake provider server (recorded replies, scripted faults) until SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseFaultScript } from "../simulate/fault-script.ts";
import { startSimulator } from "../simulate/simulator-server.ts";
import { untilStopSignal } from "./stop-signal.ts";

const defaultPort = 7790;

const help = `Usage: outrigger simulate [options]

Serves recorded Anthropic, OpenAI and DeepSeek responses with scriptable faults, for tests,
benchmarks and trying the sidecar without real keys. See docs/simulator.md.

Options:
  --port N                 port to listen on (default ${defaultPort}; 0 picks a free one)
  --host H                 interface to bind (default 127.0.0.1)
  --chunk-latency D        pause between body chunks, e.g. 10ms (default 0)
  --first-byte-delay D     pause before the response head, e.g. 100ms (default 0)
  --script FILE.json       initial fault script (a JSON array of steps)
  --fixtures DIR           recorded fixtures folder (default $OUTRIGGER_FIXTURES or ../shared/fixtures)
  --help, -h               show this help

Durations take ms or s (\`250ms\`, \`1.5s\`); a bare number is milliseconds.`;

/** `10ms`, `1.5s`, `250` → milliseconds. */
function parseMilliseconds(value: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(value.trim());
  if (match === null) throw new Error(`--${option} must be a duration like 10ms or 1s, not '${value}'`);
  const amount = Number(match[1]);
  return match[2] === "s" ? amount * 1000 : amount;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, not '${value}'`);
  return port;
}

function endpointsText(url: string): string {
  return [
    `outrigger simulate listening on ${url}`,
    `  POST /v1/messages                 Anthropic Messages (ANTHROPIC_BASE_URL=${url})`,
    `  POST /chat/completions            DeepSeek / OpenAI chat (DEEPSEEK_BASE_URL=${url})`,
    `  POST /v1/chat/completions         OpenAI chat (OPENAI_BASE_URL=${url}/v1)`,
    "  POST /_simulator/script           replace the fault script (JSON array of steps)",
    "  GET|DELETE /_simulator/requests   read / reset the request log",
  ].join("\n");
}

export async function run(args: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    process.stderr.write(
      `outrigger simulate: ${error instanceof Error ? error.message : String(error)}\n\n${help}\n`,
    );
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const simulator = await startSimulator(parsed.options);
  process.stdout.write(`${endpointsText(simulator.url)}\n`);
  await untilStopSignal();
  await simulator.close();
  process.stdout.write("outrigger simulate: stopped\n");
  return 0;
}

function parseOptions(args: readonly string[]) {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "chunk-latency": { type: "string" },
      "first-byte-delay": { type: "string" },
      script: { type: "string" },
      fixtures: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const script =
    values.script === undefined
      ? undefined
      : parseFaultScript(JSON.parse(readFileSync(values.script, "utf8")));
  return {
    help: values.help === true,
    options: {
      port: values.port === undefined ? defaultPort : parsePort(values.port),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values["chunk-latency"] === undefined
        ? {}
        : { chunkLatency: parseMilliseconds(values["chunk-latency"], "chunk-latency") }),
      ...(values["first-byte-delay"] === undefined
        ? {}
        : { firstByteDelay: parseMilliseconds(values["first-byte-delay"], "first-byte-delay") }),
      ...(values.fixtures === undefined ? {} : { fixtures: values.fixtures }),
      ...(script === undefined ? {} : { script }),
    },
  };
}
