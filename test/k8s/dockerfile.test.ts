// Static checks of the image recipe (no Docker engine here): base, user, entrypoint, and that every runtime import ships.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repository = fileURLToPath(new URL("../..", import.meta.url));
const dockerfile = readFileSync(join(repository, "Dockerfile"), "utf8");
/** Instructions with line continuations joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line.length > 0 && !line.startsWith("#"));

test("multi-stage, final stage node:24-slim, production dependencies from the lockfile", () => {
  const froms = instructions.filter((line) => line.startsWith("FROM "));
  assert.ok(froms.length >= 2, "multi-stage");
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-slim$/m);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile line itself contains ${NODE_IMAGE}.
  assert.equal(froms.at(-1), "FROM ${NODE_IMAGE}");
  const install = instructions.find((line) => line.startsWith("RUN npm ci"));
  assert.ok(install?.includes("--omit=dev"), "production dependencies only");
  assert.ok(
    instructions.includes("COPY package.json package-lock.json ./"),
    "the lockfile drives the install",
  );
});

test("non-root numeric user, CLI entrypoint with serve by default, OCI labels", () => {
  const runtime = instructions.slice(instructions.findLastIndex((line) => line.startsWith("FROM ")));
  const user = runtime.filter((line) => line.startsWith("USER ")).at(-1);
  assert.match(user ?? "", /^USER [1-9][0-9]*(:[0-9]+)?$/, "numeric, not root");
  const entrypoint = runtime.find((line) => line.startsWith("ENTRYPOINT "));
  const command = JSON.parse(entrypoint?.slice("ENTRYPOINT ".length) ?? "null") as string[] | null;
  assert.equal(command?.[0], "node", "exec form, node first");
  assert.equal(command?.at(-1), "src/main.ts", "the CLI, command from CMD or the container args");
  assert.ok(
    command?.slice(1, -1).every((flag) => flag.startsWith("--")),
    "only Node flags in between",
  );
  assert.ok(runtime.includes('CMD ["serve"]'));
  for (const label of ["title", "description", "licenses", "version", "revision", "source"]) {
    assert.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), label);
  }
  assert.ok(!runtime.some((line) => /^RUN /.test(line)), "nothing runs in the final stage");
});

test(".dockerignore keeps node_modules, tests and git out; what the image copies is not ignored", () => {
  const ignored = readFileSync(join(repository, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
  for (const entry of ["node_modules", ".git", "test"]) assert.ok(ignored.includes(entry), entry);
  for (const needed of ["src", "package.json", "package-lock.json"])
    assert.ok(!ignored.includes(needed), needed);
});

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("every package src/ imports at run time is installed by `npm ci --omit=dev`", () => {
  const lock = JSON.parse(readFileSync(join(repository, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const missing: string[] = [];
  for (const file of sourceFiles(join(repository, "src"))) {
    const text = readFileSync(file, "utf8");
    const specifiers = [
      ...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm),
      ...text.matchAll(/^import\s+"([^"]+)"/gm),
      ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
    ].map((match) => match[1]!);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      const parts = specifier.split("/");
      const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
      const entry = lock.packages[`node_modules/${name}`];
      if (entry === undefined || entry.dev === true)
        missing.push(`${file.slice(repository.length)} → ${name}`);
    }
  }
  assert.deepEqual(missing, [], "runtime imports of dev-only or absent packages would break the image");
});
