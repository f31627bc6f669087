// Scripted faults: an ordered list of steps, each consumed by one incoming request, then normal replay.

/** A canned response that replaces the fixture; a JSON body is serialised and typed as JSON. */
export interface RespondStep {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** What one request should suffer. Keys combine: e.g. `respond` 429 plus `headers` with `retry-after`. */
export interface FaultStep {
  /** Only a request whose path starts with this consumes the step; others pass it by. */
  readonly path?: string;
  /** Serve this fixture instead of the one the body would pick. */
  readonly fixture?: string;
  readonly respond?: RespondStep;
  /** Send nothing for this many ms, then continue; `null` or `true` hangs until the client leaves. */
  readonly stallBeforeHead?: number | true | null;
  /** Send the status and headers, then nothing for this many ms before the body. */
  readonly stallAfterHead?: number;
  /** Send this many events, then destroy the socket (a non-streaming body: half of it). */
  readonly cutAfterEvents?: number;
  /** A 200 stream whose first event is an error in the request's dialect, then the end. */
  readonly firstEventError?: { readonly type?: string; readonly message?: string };
  /** DeepSeek's wait for capacity: keep-alive comments (streaming) or blank lines (JSON) every ~200 ms. */
  readonly keepAlive?: number;
  /** Milliseconds between chunks for this response. */
  readonly slowDrip?: number;
  /** Merged into the response headers (rate-limit headers, `retry-after`, …). */
  readonly headers?: Readonly<Record<string, string>>;
}

const stepKeys = new Set([
  "path",
  "fixture",
  "respond",
  "stallBeforeHead",
  "stallAfterHead",
  "cutAfterEvents",
  "firstEventError",
  "keepAlive",
  "slowDrip",
  "headers",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function milliseconds(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where} must be a number of milliseconds ≥ 0`);
  }
  return value;
}

function headerMap(value: unknown, where: string): Record<string, string> {
  if (!isRecord(value)) throw new Error(`${where} must be an object of header names to values`);
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue !== "string" && typeof headerValue !== "number") {
      throw new Error(`${where}.${name} must be a string`);
    }
    headers[name.toLowerCase()] = String(headerValue);
  }
  return headers;
}

function parseStep(value: unknown, index: number): FaultStep {
  const where = `script[${index}]`;
  if (!isRecord(value)) throw new Error(`${where} must be an object`);
  const unknownKey = Object.keys(value).find((key) => !stepKeys.has(key));
  if (unknownKey !== undefined) throw new Error(`${where} has unknown key '${unknownKey}'`);
  const step: { -readonly [K in keyof FaultStep]: FaultStep[K] } = {};
  if (value.path !== undefined) {
    if (typeof value.path !== "string" || !value.path.startsWith("/"))
      throw new Error(`${where}.path must start with /`);
    step.path = value.path;
  }
  if (value.fixture !== undefined) {
    if (typeof value.fixture !== "string") throw new Error(`${where}.fixture must be a fixture name`);
    step.fixture = value.fixture;
  }
  if (value.respond !== undefined) {
    const respond = value.respond;
    if (
      !isRecord(respond) ||
      typeof respond.status !== "number" ||
      respond.status < 100 ||
      respond.status > 599
    ) {
      throw new Error(`${where}.respond needs a status between 100 and 599`);
    }
    step.respond = {
      status: respond.status,
      ...(respond.headers === undefined
        ? {}
        : { headers: headerMap(respond.headers, `${where}.respond.headers`) }),
      ...(respond.body === undefined ? {} : { body: respond.body }),
    };
  }
  if ("stallBeforeHead" in value) {
    const stall = value.stallBeforeHead;
    // Present without milliseconds (null, true, or undefined from TypeScript callers) means hang until closed.
    step.stallBeforeHead =
      stall === null || stall === true || stall === undefined
        ? null
        : milliseconds(stall, `${where}.stallBeforeHead`);
  }
  if (value.stallAfterHead !== undefined)
    step.stallAfterHead = milliseconds(value.stallAfterHead, `${where}.stallAfterHead`);
  if (value.cutAfterEvents !== undefined) {
    const count = value.cutAfterEvents;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new Error(`${where}.cutAfterEvents must be a whole number ≥ 0`);
    }
    step.cutAfterEvents = count;
  }
  if (value.firstEventError !== undefined) {
    const error = value.firstEventError;
    if (!isRecord(error)) throw new Error(`${where}.firstEventError must be an object`);
    step.firstEventError = {
      ...(typeof error.type === "string" ? { type: error.type } : {}),
      ...(typeof error.message === "string" ? { message: error.message } : {}),
    };
  }
  if (value.keepAlive !== undefined) step.keepAlive = milliseconds(value.keepAlive, `${where}.keepAlive`);
  if (value.slowDrip !== undefined) step.slowDrip = milliseconds(value.slowDrip, `${where}.slowDrip`);
  if (value.headers !== undefined) step.headers = headerMap(value.headers, `${where}.headers`);
  return step;
}

/** Parses untrusted script JSON (control API, `--script` file) into steps, naming the bad step on error. */
export function parseFaultScript(value: unknown): FaultStep[] {
  if (!Array.isArray(value)) throw new Error("a script is a JSON array of steps");
  return value.map((step, index) => parseStep(step, index));
}

/** The pending steps; each request takes the first one whose path scope matches it. */
export class FaultScript {
  #steps: FaultStep[] = [];

  replace(steps: readonly FaultStep[]): void {
    this.#steps = [...steps];
  }

  /** Removes and returns the next step for `path`, or undefined for a normal replay. */
  take(path: string): FaultStep | undefined {
    const index = this.#steps.findIndex((step) => step.path === undefined || path.startsWith(step.path));
    if (index === -1) return undefined;
    const [step] = this.#steps.splice(index, 1);
    return step;
  }

  get pending(): readonly FaultStep[] {
    return this.#steps;
  }
}
