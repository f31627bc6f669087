// ConfigError: why a configuration is invalid, naming the file, the dotted key path and the reason.

/** One thing wrong with a configuration. */
export interface ConfigProblem {
  /** Dotted key path, e.g. `providers.anthropic.resilience.retry.maxAttempts`; "" for the whole document. */
  readonly path: string;
  /** Why, e.g. `expected an integer ≥ 1, received "three"`. Never contains a secret value. */
  readonly reason: string;
  /** 1-based position in the file, when known. */
  readonly line?: number;
  readonly column?: number;
}

export interface ConfigErrorOptions {
  /** The file the configuration came from; undefined for an in-memory or built-in config. */
  readonly file?: string;
  readonly cause?: unknown;
}

/**
 * A configuration that cannot be used. The message lists one problem per line as
 * `FILE:LINE:COLUMN: path: reason` (compiler style, so editors and grep can jump to it).
 */
export class ConfigError extends Error {
  readonly file: string | undefined;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: ConfigErrorOptions = {}) {
    super(
      formatProblems(problems, options.file),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "ConfigError";
    this.file = options.file;
    this.problems = problems;
  }
}

function formatProblems(problems: readonly ConfigProblem[], file: string | undefined): string {
  const lines = problems.map((problem) => {
    const location = [file ?? "config"];
    if (problem.line !== undefined) location.push(String(problem.line));
    if (problem.line !== undefined && problem.column !== undefined) location.push(String(problem.column));
    const subject = problem.path === "" ? "" : `${problem.path}: `;
    return `${location.join(":")}: ${subject}${problem.reason}`;
  });
  const header = problems.length === 1 ? "" : `invalid configuration (${problems.length} problems):\n`;
  return header + lines.join("\n");
}
