#!/usr/bin/env -S node --max-semi-space-size=4
// Process entry: picks the CLI command and runs it; the exit code is the command's.
import { readFileSync } from "node:fs";

type CommandModule = { run(args: readonly string[]): Promise<number> };

/** Commands load lazily so `outrigger --version` stays instant and a command's deps load only when used. */
const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: "run the sidecar (default)", load: () => import("./cli/serve-command.ts") },
  "check-config": {
    summary: "validate a config file and print it, secrets redacted",
    load: () => import("./cli/check-config-command.ts"),
  },
  simulate: { summary: "fake providers, scripted faults", load: () => import("./cli/simulate-command.ts") },
  ca: { summary: "create the pod CA (ca init --out DIR)", load: () => import("./cli/ca-command.ts") },
  webhook: {
    summary: "Kubernetes sidecar injection webhook",
    load: () => import("./cli/webhook-command.ts"),
  },
};

function version(): string {
  const packageJson: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const value = (packageJson as { version?: unknown }).version;
  return typeof value === "string" ? value : "unknown";
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(14)} ${command.summary}`);
  return [
    "Usage: outrigger <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  --help, -h     show this help (or `outrigger <command> --help`)",
    "  --version, -v  print the version",
    "",
    "With no command, `serve` runs. OUTRIGGER_CONFIG names the config file when --config is absent.",
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const isCommand = first !== undefined && !first.startsWith("-");
  const name = isCommand ? first : "serve";
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`outrigger: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const module = await command.load();
  return module.run(isCommand ? rest : argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`outrigger: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
