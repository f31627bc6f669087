// Loads the configuration from a YAML or JSON file (or the built-in defaults) and validates it.
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, type ConfigProblem } from "./config-error.ts";
import { configErrorMap, type Locate, toProblems } from "./config-issues.ts";
import { configSchema } from "./config-schema.ts";
import type { LoadedConfig, OutriggerConfig } from "./config-types.ts";
import { defaultConfig } from "./default-config.ts";

export interface LoadConfigOptions {
  /** The config file (`--config`); wins over `env.OUTRIGGER_CONFIG`. */
  readonly file?: string;
  /** Where OUTRIGGER_CONFIG is read from; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

function validate(raw: unknown, file: string | undefined, locate?: Locate): OutriggerConfig {
  const result = configSchema.safeParse(raw, { error: configErrorMap });
  if (result.success) return result.data;
  throw new ConfigError(toProblems(result.error.issues, locate), { file });
}

/** Validates an already-parsed document (e.g. from JSON.parse). Throws a ConfigError naming every bad key. */
export function parseConfig(raw: unknown): OutriggerConfig {
  return validate(raw ?? {}, undefined);
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "cannot read the config file: it does not exist";
  if (code === "EACCES" || code === "EPERM") return "cannot read the config file: permission denied";
  if (code === "EISDIR") return "cannot read the config file: it is a directory";
  return `cannot read the config file: ${code ?? (error as Error).message}`;
}

/** Parses YAML or JSON text from `file` into a validated config. Exposed for tests and hot reload. */
export function parseConfigText(text: string, file: string): OutriggerConfig {
  const lineCounter = new LineCounter();
  // JSON is YAML 1.2; the JSON schema keeps a .json file from growing YAML-only values.
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    schema: extname(file).toLowerCase() === ".json" ? "json" : "core",
    // `<<: *shared` lets many providers share one resilience block.
    merge: true,
  });
  if (document.errors.length > 0) {
    const problems: ConfigProblem[] = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        path: "",
        reason: `${extname(file).toLowerCase() === ".json" ? "JSON" : "YAML"} syntax error: ${error.message.split("\n")[0]}`,
        line: position.line,
        column: position.col,
      };
    });
    throw new ConfigError(problems, { file });
  }
  const locate: Locate = (path) => {
    // The deepest node that exists on the path: a missing key points at its parent mapping.
    for (let length = path.length; length >= 0; length--) {
      const node = document.getIn(path.slice(0, length) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      const start = node?.range?.[0];
      if (start !== undefined) {
        const position = lineCounter.linePos(start);
        return { line: position.line, column: position.col };
      }
    }
    return undefined;
  };
  // An empty file is an empty mapping: every key at its default.
  return validate(document.toJS() ?? {}, file, locate);
}

/**
 * The effective configuration: from `options.file`, else the file named by OUTRIGGER_CONFIG, else
 * the built-in defaults. Throws a ConfigError for a missing or unreadable file, a YAML/JSON syntax
 * error (with line and column) or an invalid key (with its dotted path).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const environment = options.env ?? process.env;
  const named =
    options.file ?? (environment.OUTRIGGER_CONFIG === "" ? undefined : environment.OUTRIGGER_CONFIG);
  if (named === undefined) return { config: defaultConfig() };
  const file = resolve(named);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError([{ path: "", reason: readProblem(error) }], { file: named, cause: error });
  }
  // Errors name the file as the user wrote it; the result carries the absolute path (for reloads).
  return { config: parseConfigText(text, named), file };
}
