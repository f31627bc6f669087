// Credential from a file (a mounted Secret): trimmed, re-read on change — including Kubernetes' `..data` swap.
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";
import { ProxyError } from "../errors/proxy-error.ts";
import type { Credential, CredentialSource, CredentialStatus } from "./credential.ts";
import { keyIdOf } from "./key-id.ts";

export interface FileSourceOptions {
  /** Safety net for filesystems where watching misses events (some network mounts). */
  readonly rereadEvery?: number;
}

export function createFileSource(path: string, options: FileSourceOptions = {}): CredentialSource {
  let credential: Credential | undefined;
  let problem = "";

  const reload = (): void => {
    try {
      const value = readFileSync(path, "utf8").trim();
      if (value === "") {
        credential = undefined;
        problem = `file ${path} is empty`;
        return;
      }
      if (credential?.kind !== "token" || credential.token !== value) {
        credential = { kind: "token", token: value, style: "api-key", keyId: keyIdOf(value) };
      }
      problem = "";
    } catch (error) {
      credential = undefined;
      const code = (error as { code?: unknown }).code;
      problem =
        code === "ENOENT" ? `file ${path} does not exist` : `file ${path} cannot be read (${String(code)})`;
    }
  };
  reload();

  // Kubernetes replaces a Secret volume by swapping the `..data` symlink in the directory, so the
  // directory is watched rather than the file: the file's own inode may never change.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => reload());
    watcher.on("error", () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(reload, options.rereadEvery ?? 60_000);
  timer.unref();

  return {
    description: `file ${path}`,
    async current(): Promise<Credential> {
      if (credential === undefined) {
        throw new ProxyError("credential_missing", `No credential: ${problem}; write the key into it.`);
      }
      return credential;
    },
    status(): CredentialStatus {
      return credential === undefined
        ? { available: false, detail: problem }
        : { available: true, detail: `file ${path}`, keyId: credential.keyId };
    },
    invalidate: reload,
    close(): void {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
