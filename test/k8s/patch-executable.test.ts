// The patch is executable: the injected sidecar, started exactly as its container spec says, serves the SDKs of the
// patched app container configured by nothing but the env the patch gave it.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { reviewPod } from "../../src/k8s/review-pod.ts";
import { parseWebhookConfig } from "../../src/k8s/webhook-config.ts";
import { type Simulator, startSimulator } from "../../src/simulate/simulator-server.ts";
import { freeLocalPort } from "../support/child-sidecar.ts";
import { applyPatch, decodeAnswer, validatePod } from "./admission-helpers.ts";
import { admissionReview, deploymentPod } from "./pod-fixtures.ts";
import { type ContainerSpec, PodFilesystem, resolveEnv, writeSecretFiles } from "./pod-runtime.ts";

const repository = fileURLToPath(new URL("../..", import.meta.url));
const node24 = join(repository, "node_modules/.bin/node");
const keys = {
  anthropic: "sk-ant-from-secret-0001",
  openai: "sk-openai-from-secret-0002",
  deepseek: "sk-ds-0003",
};
/** What the kubelet resolves the sidecar's fieldRefs to in this pretend pod. */
/** Service variables the kubelet adds to every container (the API server's Service). */
const serviceEnv = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
const podFields = {
  "metadata.name": "chat-api-7c9d8f6b5-x7k2q",
  "metadata.namespace": "team-ai",
  "status.podIP": "10.42.0.17",
};

/** The image's ENTRYPOINT, with `node` being this checkout's Node 24. */
function entrypoint(): string[] {
  const line = readFileSync(join(repository, "Dockerfile"), "utf8").match(/^ENTRYPOINT (\[.*\])$/m)?.[1];
  assert.ok(line !== undefined, "the Dockerfile has an exec-form ENTRYPOINT");
  const [command, ...rest] = JSON.parse(line) as string[];
  assert.equal(command, "node");
  return [node24, ...rest];
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function collect(child: ChildProcess): () => string {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return () => output;
}

interface PodRun {
  readonly simulator: Simulator;
  readonly appEnv: Record<string, string | undefined>;
  readonly answers: Record<string, string>;
  readonly secretDirectory: string;
  readonly placeholder: string;
  /** SIGTERM the sidecar (pod deletion) and resolve with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Injects a Deployment pod carrying `annotations`, lays out its volumes in a temp dir, starts the sidecar as its
 * container spec says, waits for its startup probe like the kubelet, then runs sdk-app.ts with the app container's env.
 */
async function runInjectedPod(
  context: TestContext,
  annotations: Record<string, string>,
  appArgs: readonly string[] = [],
): Promise<PodRun> {
  const simulator = await startSimulator();
  const root = mkdtempSync(join(tmpdir(), "outrigger-pod-"));
  let sidecarProcess: ChildProcess | undefined;
  context.after(async () => {
    if (sidecarProcess !== undefined && sidecarProcess.exitCode === null) sidecarProcess.kill("SIGKILL");
    await simulator.close();
    rmSync(root, { recursive: true, force: true });
  });

  // Ports chosen free on this shared machine; the webhook config carries them into probes and app env alike.
  const ports = {
    proxy: await freeLocalPort(),
    intercept: await freeLocalPort(),
    admin: await freeLocalPort(),
  };
  assert.equal(new Set(Object.values(ports)).size, 3, "three distinct free ports");
  const config = parseWebhookConfig({ sidecar: { ports } });
  const pod = deploymentPod({ annotations });
  const answer = decodeAnswer(reviewPod(admissionReview(pod), { config, namespaceOptedIn: false }).answer);
  assert.deepEqual(answer.warnings, []);
  assert.ok(answer.patch !== undefined);
  const patched = applyPatch(pod, answer.patch) as {
    spec: {
      initContainers: ContainerSpec[];
      containers: ContainerSpec[];
      volumes: { name: string; configMap?: unknown; secret?: unknown }[];
    };
  };
  validatePod(patched as never);
  const sidecar = patched.spec.initContainers[0]!;
  const app = patched.spec.containers[0]!;
  const files = new PodFilesystem(root, [sidecar, app]);

  // The ConfigMap volume: the chart's default sidecar config, its providers pointed at the simulator.
  const configVolume = patched.spec.volumes.find((volume) => volume.configMap !== undefined)!;
  const chartFiles = join(repository, "charts/outrigger/files/sidecar");
  for (const name of readdirSync(chartFiles)) {
    const target = join(files.volumeDirectory(configVolume.name), name);
    if (!name.endsWith(".yaml")) {
      writeFileSync(target, readFileSync(join(chartFiles, name)));
      continue;
    }
    const document = parseYaml(readFileSync(join(chartFiles, name), "utf8")) as {
      listen: Record<string, string>;
      providers: Record<string, { baseUrl: string; credentials: { file: string }[] }>;
      intercept?: { ca?: { generate: string; publish?: string } };
    };
    const defaults = { proxy: 7700, intercept: 7701, admin: 7702 } as const;
    for (const door of ["proxy", "intercept", "admin"] as const) {
      document.listen[door] &&= document.listen[door].replace(
        new RegExp(`:${defaults[door]}$`),
        `:${ports[door]}`,
      );
    }
    for (const provider of Object.values(document.providers)) {
      provider.baseUrl = simulator.url;
      provider.credentials = provider.credentials.map((credential) => ({
        file: files.hostPath(credential.file),
      }));
    }
    if (document.intercept?.ca !== undefined) {
      document.intercept.ca.generate = files.hostPath(document.intercept.ca.generate);
      if (document.intercept.ca.publish !== undefined) {
        document.intercept.ca.publish = files.hostPath(document.intercept.ca.publish);
      }
    }
    writeFileSync(target, stringifyYaml(document));
  }
  // The Secret volume, as the kubelet writes it.
  const secretVolume = patched.spec.volumes.find((volume) => volume.secret !== undefined)!;
  const secretDirectory = files.volumeDirectory(secretVolume.name);
  writeSecretFiles(secretDirectory, keys, 0);

  // The sidecar: the image's ENTRYPOINT, the container's args, the image's ENV plus the container's env.
  const [command, ...entrypointArgs] = entrypoint();
  const sidecarEnv = Object.fromEntries(
    Object.entries(resolveEnv(sidecar, podFields, serviceEnv)).map(([name, value]) => [
      name,
      files.rewrite(value),
    ]),
  );
  const child = spawn(
    command!,
    [...entrypointArgs, ...(sidecar.args ?? []).map((arg) => files.rewrite(arg))],
    {
      cwd: repository,
      env: { PATH: process.env.PATH, NODE_ENV: "production", ...sidecarEnv },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  sidecarProcess = child;
  const sidecarOutput = collect(child);
  const exited = once(child, "exit");

  // What the kubelet does before it starts the app: the startup probe until it passes.
  const startup = sidecar.startupProbe!.httpGet;
  await waitFor(async () => {
    assert.equal(child.exitCode, null, `the sidecar exited:\n${sidecarOutput()}`);
    return (await fetch(`http://127.0.0.1:${startup.port}${startup.path}`)).status === 200;
  }, "the startup probe");
  const liveness = sidecar.livenessProbe!.httpGet;
  assert.equal((await fetch(`http://127.0.0.1:${liveness.port}${liveness.path}`)).status, 200);
  assert.equal(
    (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).status,
    200,
    "the scrape annotation's target",
  );

  // The app: official SDKs with exactly the env the patch gave the app container (nothing inherited; pod paths
  // such as the CA files mapped to where this stand-in kubelet put the volumes).
  const appEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...Object.fromEntries(
      Object.entries(resolveEnv(app, podFields, serviceEnv)).map(([name, value]) => [
        name,
        files.rewrite(value),
      ]),
    ),
  };
  const appProcess = spawn(node24, [join(repository, "test/k8s/sdk-app.ts"), ...appArgs], {
    cwd: repository,
    env: appEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let appStdout = "";
  appProcess.stdout.on("data", (chunk: Buffer) => {
    appStdout += chunk.toString();
  });
  let appStderr = "";
  appProcess.stderr.on("data", (chunk: Buffer) => {
    appStderr += chunk.toString();
  });
  const [appCode] = (await once(appProcess, "exit")) as [number | null];
  assert.equal(appCode, 0, `the app failed:\n${appStderr}\nsidecar:\n${sidecarOutput()}`);
  const answers = JSON.parse(appStdout) as Record<string, string>;
  for (const [provider, text] of Object.entries(answers)) assert.ok(text.length > 0, `${provider} answered`);

  return {
    simulator,
    appEnv,
    answers,
    secretDirectory,
    placeholder: config.placeholderApiKey,
    async stop() {
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      if (code !== 0) process.stderr.write(sidecarOutput());
      return code;
    },
  };
}

function upstreamCalls(simulator: Simulator): [string, unknown][] {
  return simulator.requests
    .filter((request) => request.method === "POST")
    .map((request) => [request.path, request.headers["x-api-key"] ?? request.headers.authorization]);
}

test("the injected sidecar starts from its container spec and the app's SDKs work with the patched env", async (context) => {
  const run = await runInjectedPod(context, {});
  assert.deepEqual(Object.keys(run.answers), ["anthropic", "anthropicStream", "openai", "deepseek"]);
  // Upstream saw the keys from the Secret volume, never the placeholder the app holds.
  assert.deepEqual(upstreamCalls(run.simulator), [
    ["/v1/messages", keys.anthropic],
    ["/v1/messages", keys.anthropic],
    ["/v1/chat/completions", `Bearer ${keys.openai}`],
    ["/chat/completions", `Bearer ${keys.deepseek}`],
  ]);
  assert.ok(
    !JSON.stringify(run.simulator.requests.map((request) => request.headers)).includes(run.placeholder),
  );

  // Key rotation: the kubelet swaps `..data`; the next call carries the new key, no restart.
  writeSecretFiles(run.secretDirectory, { ...keys, anthropic: "sk-ant-rotated-0004" }, 1);
  const client = new Anthropic({
    baseURL: run.appEnv.ANTHROPIC_BASE_URL,
    apiKey: run.appEnv.ANTHROPIC_API_KEY,
    maxRetries: 0,
  });
  await waitFor(
    async () => {
      await client.messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      });
      return run.simulator.requests.at(-1)?.headers["x-api-key"] === "sk-ant-rotated-0004";
    },
    "the rotated key",
    10_000,
  );

  // Pod deletion: SIGTERM, and the sidecar drains and exits 0 within its grace period.
  assert.equal(await run.stop(), 0);
});

test("intercept proxy: the same, plus an app that hard-codes the real provider URLs goes through the proxy door", async (context) => {
  const run = await runInjectedPod(context, { "outrigger.dev/intercept": "proxy" }, ["--direct"]);
  assert.ok(run.appEnv.HTTPS_PROXY?.startsWith("http://127.0.0.1:"));
  assert.deepEqual(Object.keys(run.answers), [
    "anthropic",
    "anthropicStream",
    "openai",
    "deepseek",
    "anthropicDirect",
    "openaiDirect",
  ]);
  assert.deepEqual(upstreamCalls(run.simulator), [
    ["/v1/messages", keys.anthropic],
    ["/v1/messages", keys.anthropic],
    ["/v1/chat/completions", `Bearer ${keys.openai}`],
    ["/chat/completions", `Bearer ${keys.deepseek}`],
    ["/v1/messages", keys.anthropic],
    ["/v1/chat/completions", `Bearer ${keys.openai}`],
  ]);
  assert.equal(await run.stop(), 0);
});
