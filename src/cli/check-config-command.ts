// `outrigger check-config [FILE]`: validates a config file and prints the effective config, secrets redacted.
import { ConfigError } from "../config/config-error.ts";
import { loadConfig } from "../config/load-config.ts";
import { renderConfig } from "../config/redact-config.ts";

const usage = `Usage: outrigger check-config [FILE] [--config FILE]

Validates the configuration and prints the effective config (every default filled in,
durations and sizes in units, secrets redacted) as YAML. Exits 0 when valid, 1 when not
(the reason goes to stderr, naming the file, line and key), 2 on a usage error.

With no FILE, checks the file named by OUTRIGGER_CONFIG, or the built-in defaults.`;

type Parsed =
  | { readonly help: true }
  | { readonly help: false; readonly file?: string }
  | { readonly error: string };

function parseArguments(args: readonly string[]): Parsed {
  let file: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    let value: string | undefined;
    if (argument === "--help" || argument === "-h") return { help: true };
    if (argument === "--config" || argument === "-c") {
      value = args[++index];
      if (value === undefined) return { error: `${argument} needs a file` };
    } else if (argument.startsWith("--config=")) {
      value = argument.slice("--config=".length);
    } else if (argument.startsWith("-") && argument !== "-") {
      return { error: `unknown option '${argument}'` };
    } else {
      value = argument;
    }
    if (file !== undefined) return { error: "give one config file" };
    file = value;
  }
  return file === undefined ? { help: false } : { help: false, file };
}

export async function run(args: readonly string[]): Promise<number> {
  const parsed = parseArguments(args);
  if ("error" in parsed) {
    process.stderr.write(`outrigger check-config: ${parsed.error}\n\n${usage}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  try {
    const loaded = await loadConfig(parsed.file === undefined ? {} : { file: parsed.file });
    const source = loaded.file ?? "the built-in defaults";
    process.stdout.write(
      `# Effective configuration from ${source} (secrets redacted)\n${renderConfig(loaded.config)}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}
