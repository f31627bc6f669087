// A tiny stand-in for the kubelet: maps a container's volume mounts to temp dirs and resolves its env like the kubelet.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ContainerSpec {
  readonly name: string;
  readonly args?: readonly string[];
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string } };
  }[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
  readonly startupProbe?: { readonly httpGet: { readonly path: string; readonly port: number } };
  readonly livenessProbe?: { readonly httpGet: { readonly path: string; readonly port: number } };
}

/** Container paths → host paths: each volume is a directory under `root` named after the volume. */
export class PodFilesystem {
  readonly root: string;
  readonly #mounts: { mountPath: string; volume: string }[] = [];

  constructor(root: string, containers: readonly ContainerSpec[]) {
    this.root = root;
    for (const container of containers) {
      for (const mount of container.volumeMounts ?? []) {
        this.#mounts.push({ mountPath: mount.mountPath, volume: mount.name });
        mkdirSync(join(root, mount.name), { recursive: true });
      }
    }
    // Longest mount path first, as a path resolves to its deepest mount.
    this.#mounts.sort((left, right) => right.mountPath.length - left.mountPath.length);
  }

  volumeDirectory(volume: string): string {
    return join(this.root, volume);
  }

  /** The host path behind a path inside the pod; throws for a path no volume covers (read-only root fs). */
  hostPath(podPath: string): string {
    const mount = this.#mounts.find(
      (candidate) => podPath === candidate.mountPath || podPath.startsWith(`${candidate.mountPath}/`),
    );
    if (mount === undefined) throw new Error(`${podPath} is on no volume`);
    return join(this.root, mount.volume, podPath.slice(mount.mountPath.length));
  }

  /** Rewrites every pod path inside a string (args, env values) to its host path. */
  rewrite(text: string): string {
    for (const mount of this.#mounts) {
      if (text.includes(mount.mountPath)) {
        return text.replaceAll(mount.mountPath, join(this.root, mount.volume));
      }
    }
    return text;
  }
}

/** Writes files into a Secret volume the way the kubelet does: a timestamped dir and an atomic `..data` swap. */
export function writeSecretFiles(directory: string, files: Record<string, string>, generation: number): void {
  const timestamped = `..2026_11_26_12_00_0${generation}`;
  mkdirSync(join(directory, timestamped));
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(directory, timestamped, name), content);
  symlinkSync(timestamped, join(directory, "..data_tmp"));
  renameSync(join(directory, "..data_tmp"), join(directory, "..data"));
  if (generation === 0) {
    for (const name of Object.keys(files)) symlinkSync(join("..data", name), join(directory, name));
  }
}

/**
 * The env the kubelet gives a container: literal values with `$(VAR)` expanded from the variables defined
 * before it (unknown references stay as written, `$$` escapes), fieldRefs resolved from the pod.
 */
export function resolveEnv(
  container: ContainerSpec,
  fields: Record<string, string>,
  serviceEnv: Record<string, string> = {},
): Record<string, string> {
  // Service variables (KUBERNETES_SERVICE_HOST, …) come first and may be referenced.
  const env: Record<string, string> = { ...serviceEnv };
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(
        /\$\$|\$\(([-._a-zA-Z0-9]+)\)/g,
        (match, name: string | undefined) => (name === undefined ? "$" : (env[name] ?? match)),
      );
    } else if (variable.valueFrom?.fieldRef !== undefined) {
      const value = fields[variable.valueFrom.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`no value for field ${variable.valueFrom.fieldRef.fieldPath}`);
      env[variable.name] = value;
    } else {
      throw new Error(`env ${variable.name}: only value and fieldRef are resolved here`);
    }
  }
  return env;
}
