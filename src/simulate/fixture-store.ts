// Finds recorded fixtures by name and turns each into what the provider would send: status, headers, body chunks.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCassette } from "./cassette-fixture.ts";
import { chunkLines, frameChunkLines, type SimulatorDialect, splitRawEvents } from "./fixture-framing.ts";

export interface FixtureResponse {
  /** The file it came from, relative to the fixtures folder, e.g. `anthropic/anthropic-text.chunks.txt`. */
  readonly file: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** One per SSE event (a JSON body is one chunk); their concatenation is the exact body. */
  readonly chunks: readonly Buffer[];
  readonly streaming: boolean;
}

export type FixtureLookup =
  | { readonly found: true; readonly fixture: FixtureResponse }
  | { readonly found: false; readonly reason: "unknown" | "no-variant"; readonly message: string };

/** Provider folders this simulator replays (Bedrock's binary eventstream is served elsewhere). */
export const fixtureFolders = ["anthropic", "deepseek", "openai", "openai-compatible"] as const;

const fileEndings = [".chunks.txt", ".json", ".sse", ".yaml", ".txt"] as const;
const sseContentType = "text/event-stream; charset=utf-8";
const jsonContentType = "application/json";

/** OUTRIGGER_FIXTURES, else `<repo>/../shared/fixtures`; a named folder that is missing is an error, not a silent skip. */
export function fixturesDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.OUTRIGGER_FIXTURES;
  if (configured !== undefined && configured !== "") {
    const directory = resolve(configured);
    if (!existsSync(directory)) {
      throw new Error(`OUTRIGGER_FIXTURES is set to ${directory}, but that folder does not exist`);
    }
    return directory;
  }
  const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
  return resolve(repositoryRoot, "..", "shared", "fixtures");
}

/** Every servable fixture file (relative paths), for tests and `--help` listings. */
export function listFixtureFiles(directory: string = fixturesDirectory()): string[] {
  const files: string[] = [];
  for (const folder of fixtureFolders) {
    const path = join(directory, folder);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path).sort()) {
      if (fileEndings.some((ending) => name.endsWith(ending))) files.push(`${folder}/${name}`);
    }
  }
  return files;
}

function isServableFolder(folder: string): folder is (typeof fixtureFolders)[number] {
  return (fixtureFolders as readonly string[]).includes(folder);
}

/** A JSON recording that is an error body (OpenAI `{error}` or Anthropic `{type:"error"}`) replays as a 400. */
function jsonFixtureStatus(body: Buffer): number {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && !("choices" in parsed))
      return 400;
  } catch {
    // Not JSON: replayed as recorded with the success status.
  }
  return 200;
}

/** Reads one fixture file into the response the provider would send. */
function readFixtureFile(directory: string, file: string): FixtureResponse {
  const [folder = ""] = file.split("/");
  const dialect: SimulatorDialect = folder === "anthropic" ? "anthropic" : "openai";
  const raw = readFileSync(join(directory, file));
  const sseHeaders = { "content-type": sseContentType, "cache-control": "no-cache" };
  if (file.endsWith(".chunks.txt")) {
    const chunks = frameChunkLines(chunkLines(raw.toString("utf8")), dialect);
    return { file, status: 200, headers: sseHeaders, chunks, streaming: true };
  }
  if (file.endsWith(".json")) {
    return {
      file,
      status: jsonFixtureStatus(raw),
      headers: { "content-type": jsonContentType },
      chunks: [raw],
      streaming: false,
    };
  }
  if (file.endsWith(".yaml")) {
    const recorded = parseCassette(raw.toString("utf8"), file);
    const streaming = (recorded.headers["content-type"] ?? "").includes("text/event-stream");
    const chunks = streaming ? splitRawEvents(recorded.body) : [recorded.body];
    return { file, status: recorded.status, headers: recorded.headers, chunks, streaming };
  }
  return { file, status: 200, headers: sseHeaders, chunks: splitRawEvents(raw), streaming: true };
}

/** Loads fixtures by name, once each. Names are `<folder>/<file without ending>` or an exact file. */
export class FixtureStore {
  readonly directory: string;
  readonly #cache = new Map<string, FixtureResponse>();

  constructor(directory: string = fixturesDirectory()) {
    this.directory = directory;
  }

  /** The exact file, or undefined when it does not exist. */
  file(file: string): FixtureResponse | undefined {
    const cached = this.#cache.get(file);
    if (cached !== undefined) return cached;
    if (!existsSync(join(this.directory, file))) return undefined;
    const fixture = readFixtureFile(this.directory, file);
    this.#cache.set(file, fixture);
    return fixture;
  }

  /**
   * The variant of `name` for the request's mode: streaming prefers `.chunks.txt`, then raw `.sse`/`.txt`,
   * then a streaming cassette; non-streaming prefers `.json`, then a JSON cassette. Error recordings
   * (status ≥ 400) answer either mode, as a provider rejects a request before it streams. A name with its
   * file ending picks that file whatever the mode.
   */
  lookup(name: string, streaming: boolean): FixtureLookup {
    const [folder = "", base = "", ...rest] = name.split("/");
    if (rest.length > 0 || base === "" || name.includes("..") || !/^[\w.-]+$/.test(base)) {
      return { found: false, reason: "unknown", message: `fixture name '${name}' is not <folder>/<name>` };
    }
    if (!isServableFolder(folder)) {
      return {
        found: false,
        reason: "unknown",
        message: `fixture folder '${folder}' is not served here (folders: ${fixtureFolders.join(", ")})`,
      };
    }
    if (fileEndings.some((ending) => base.endsWith(ending))) {
      const exact = this.file(name);
      if (exact !== undefined) return { found: true, fixture: exact };
    }
    const candidates = fileEndings
      .map((ending) => this.file(`${name}${ending}`))
      .filter((fixture) => fixture !== undefined);
    if (candidates.length === 0) {
      return { found: false, reason: "unknown", message: `no fixture named '${name}' in ${this.directory}` };
    }
    const match = candidates.find((fixture) => fixture.streaming === streaming || fixture.status >= 400);
    if (match !== undefined) return { found: true, fixture: match };
    const mode = streaming ? "streaming" : "non-streaming";
    return { found: false, reason: "no-variant", message: `fixture '${name}' has no ${mode} variant` };
  }
}

/** Loads one fixture by name (see FixtureStore.lookup); throws when there is none for the mode. */
export function loadFixture(
  name: string,
  streaming: boolean,
  directory: string = fixturesDirectory(),
): FixtureResponse {
  const lookup = new FixtureStore(directory).lookup(name, streaming);
  if (!lookup.found) throw new Error(lookup.message);
  return lookup.fixture;
}
