// `outrigger webhook` as a process: starts from its flags and config file, serves, exits 0 on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeAnswer } from "./admission-helpers.ts";
import { admissionReview, deploymentPod } from "./pod-fixtures.ts";
import { makeCertificate } from "./test-certificates.ts";

const repository = fileURLToPath(new URL("../..", import.meta.url));

function post(port: number, ca: Buffer, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, method: "POST", path: "/mutate", ca, agent: false },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve(text));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

test("the webhook command serves reviews with the image from its config and stops cleanly on SIGTERM", async () => {
  const directory = mkdtempSync(join(tmpdir(), "outrigger-webhook-cli-"));
  try {
    const certificate = makeCertificate(directory, "webhook");
    writeFileSync(join(directory, "tls.crt"), certificate.cert);
    writeFileSync(join(directory, "tls.key"), certificate.key);
    writeFileSync(
      join(directory, "webhook.yaml"),
      "sidecar:\n  image: registry.example.com/outrigger:from-config\n",
    );
    const child = spawn(
      process.execPath,
      [
        "src/main.ts",
        "webhook",
        "--tls-cert",
        join(directory, "tls.crt"),
        "--tls-key",
        join(directory, "tls.key"),
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--config",
        join(directory, "webhook.yaml"),
      ],
      { cwd: repository, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let stdout = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening log line; stderr: ${stderr}`)), 20_000);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        for (const line of stdout.split("\n")) {
          if (!line.includes("injection webhook listening")) continue;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const answer = decodeAnswer(
      JSON.parse(await post(port, certificate.cert, JSON.stringify(admissionReview(deploymentPod())))),
    );
    const patch = answer.patch ?? [];
    const sidecar = patch.find(
      (operation) => operation.path === "/spec/initContainers/0" || operation.path === "/spec/initContainers",
    );
    assert.ok(sidecar !== undefined && "value" in sidecar);
    const value = sidecar.value as { image?: string } | { image?: string }[];
    const image = Array.isArray(value) ? value[0]?.image : value.image;
    assert.equal(image, "registry.example.com/outrigger:from-config");
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("the webhook command refuses to start without its certificate flags", async () => {
  const child = spawn(process.execPath, ["src/main.ts", "webhook"], {
    cwd: repository,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 2);
  assert.match(stderr, /--tls-cert and --tls-key are required/);
});
