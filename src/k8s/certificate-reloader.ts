// Watches the webhook's certificate and key files and hands over a new pair once both change into a valid one.
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createSecureContext } from "node:tls";

export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface CertificateReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** The pair the server started with; a reload happens only when the files differ from it. */
  readonly initial: CertificatePair;
  readonly onReload: (pair: CertificatePair) => void;
  /** Called when the files changed but do not form a usable pair (yet): the old pair stays. */
  readonly onRejected: (error: unknown) => void;
  /** Fallback poll: directory watches miss some changes (network file systems, some symlink swaps). */
  readonly pollIntervalMs?: number;
}

export interface CertificateReloader {
  /** Reads the files now; true when a new pair was applied. */
  check(): Promise<boolean>;
  close(): void;
}

export async function readCertificatePair(certFile: string, keyFile: string): Promise<CertificatePair> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { cert, key };
}

export function watchCertificate(options: CertificateReloaderOptions): CertificateReloader {
  let current = options.initial;
  let lastRejected: CertificatePair | undefined;
  let running: Promise<boolean> | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;

  const checkOnce = async (): Promise<boolean> => {
    let pair: CertificatePair;
    try {
      pair = await readCertificatePair(options.certFile, options.keyFile);
    } catch (error) {
      // Mid-swap a file can be briefly missing; the next event or poll tries again.
      options.onRejected(error);
      return false;
    }
    if (pair.cert.equals(current.cert) && pair.key.equals(current.key)) return false;
    if (
      lastRejected !== undefined &&
      pair.cert.equals(lastRejected.cert) &&
      pair.key.equals(lastRejected.key)
    ) {
      return false;
    }
    try {
      // Throws on a key that does not match the certificate (cert written, key not yet).
      createSecureContext({ cert: pair.cert, key: pair.key });
    } catch (error) {
      lastRejected = pair;
      options.onRejected(error);
      return false;
    }
    current = pair;
    lastRejected = undefined;
    options.onReload(pair);
    return true;
  };

  const check = (): Promise<boolean> => {
    // Serialised: two overlapping reads could apply an older pair after a newer one.
    const next = (running ?? Promise.resolve(false)).then(checkOnce, checkOnce);
    running = next;
    return next;
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void check(), 100);
    debounce.unref();
  };

  const watchers: FSWatcher[] = [];
  // Watch the directories, not the files: Kubernetes swaps a `..data` symlink, which replaces the files' inodes.
  for (const directory of new Set([dirname(options.certFile), dirname(options.keyFile)])) {
    try {
      const watcher = watch(directory, { persistent: false }, schedule);
      watcher.on("error", () => undefined);
      watchers.push(watcher);
    } catch {
      // Watching is an optimisation; the poll below still catches the change.
    }
  }
  const poll = setInterval(() => void check(), options.pollIntervalMs ?? 30_000);
  poll.unref();

  return {
    check,
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
    },
  };
}
