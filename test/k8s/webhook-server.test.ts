// The webhook end to end over HTTPS: reviews, bad input, health, metrics, certificate reload on a Secret swap.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { parseWebhookConfig } from "../../src/k8s/webhook-config.ts";
import { startWebhookServer, type WebhookLogger, type WebhookServer } from "../../src/k8s/webhook-server.ts";
import { applyPatch, decodeAnswer, envOf, validatePod } from "./admission-helpers.ts";
import { admissionReview, deploymentPod, type Json } from "./pod-fixtures.ts";
import { makeCertificate, type TestCertificate, writeSecretVolume } from "./test-certificates.ts";

interface Reply {
  readonly status: number;
  readonly body: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  readonly fingerprint: string;
}

const directory = mkdtempSync(join(tmpdir(), "outrigger-webhook-"));
const mount = join(directory, "tls");
let first: TestCertificate;
let second: TestCertificate;
let server: WebhookServer;
const logs: { level: string; fields: Record<string, unknown>; message: string }[] = [];
const logger: WebhookLogger = {
  info: (fields, message) => logs.push({ level: "info", fields, message }),
  warn: (fields, message) => logs.push({ level: "warn", fields, message }),
  error: (fields, message) => logs.push({ level: "error", fields, message }),
};

function call(method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: "127.0.0.1",
        port: server.port,
        method,
        path,
        // Trust both generations: the test asserts which one is served, not the handshake.
        ca: [first.cert, second.cert],
        agent: false,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (response) => {
        const certificate = (response.socket as TLSSocket).getPeerX509Certificate?.();
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: text,
            fingerprint: certificate?.fingerprint256 ?? "",
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

before(async () => {
  mkdirSync(mount);
  first = makeCertificate(directory, "first");
  second = makeCertificate(directory, "second");
  writeSecretVolume(mount, first, 0);
  server = await startWebhookServer({
    certFile: join(mount, "tls.crt"),
    keyFile: join(mount, "tls.key"),
    port: 0,
    host: "127.0.0.1",
    config: parseWebhookConfig({}),
    logger,
    certificatePollIntervalMs: 200,
  });
});

after(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

test("POST /mutate over HTTPS answers with a patch that yields a valid injected pod", async () => {
  const pod = deploymentPod();
  const review = admissionReview(pod, { uid: "b6a3f1f2-8a3e-4c7e-9d0b-6f1f0e2d3c4b" });
  const reply = await call("POST", "/mutate", JSON.stringify(review));
  assert.equal(reply.status, 200);
  const answer = decodeAnswer(JSON.parse(reply.body));
  assert.equal(answer.uid, "b6a3f1f2-8a3e-4c7e-9d0b-6f1f0e2d3c4b");
  assert.equal(answer.allowed, true);
  assert.ok(answer.patch !== undefined);
  const patched = applyPatch(pod, answer.patch) as {
    spec: { initContainers: { name: string }[]; containers: { env?: { name: string; value?: string }[] }[] };
  };
  validatePod(patched as unknown as Json);
  assert.equal(patched.spec.initContainers[0]?.name, "outrigger");
  assert.equal(envOf(patched.spec.containers[0]!).get("OPENAI_BASE_URL"), "http://127.0.0.1:7700/openai/v1");
  assert.equal(new X509Certificate(first.cert).fingerprint256, reply.fingerprint);
});

test("POST /mutate/namespace injects pods without the annotation; /mutate does not", async () => {
  const pod = deploymentPod();
  delete ((pod.metadata as Json).annotations as Record<string, string>)["outrigger.dev/inject"];
  const viaNamespace = decodeAnswer(
    JSON.parse((await call("POST", "/mutate/namespace", JSON.stringify(admissionReview(pod)))).body),
  );
  assert.ok(viaNamespace.patch !== undefined && viaNamespace.patch.length > 0);
  const viaPod = decodeAnswer(
    JSON.parse((await call("POST", "/mutate", JSON.stringify(admissionReview(pod)))).body),
  );
  assert.equal(viaPod.patch, undefined);
  assert.deepEqual(viaPod.warnings, []);
});

test("malformed and non-Pod reviews are allowed with a warning, logged and counted", async () => {
  const notJson = decodeAnswer(JSON.parse((await call("POST", "/mutate", "{not json")).body));
  assert.equal(notJson.allowed, true);
  assert.equal(notJson.patch, undefined);
  assert.match(notJson.warnings[0] ?? "", /malformed AdmissionReview/);

  const noRequest = decodeAnswer(
    JSON.parse(
      (
        await call(
          "POST",
          "/mutate",
          JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }),
        )
      ).body,
    ),
  );
  assert.equal(noRequest.allowed, true);
  assert.match(noRequest.warnings[0] ?? "", /malformed AdmissionReview/);

  const deployment = admissionReview(
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "chat-api" }, spec: {} },
    {
      kind: { group: "apps", version: "v1", kind: "Deployment" },
      uid: "11111111-2222-3333-4444-555555555555",
    },
  );
  const nonPod = decodeAnswer(JSON.parse((await call("POST", "/mutate", JSON.stringify(deployment))).body));
  assert.equal(nonPod.uid, "11111111-2222-3333-4444-555555555555", "uid echoed");
  assert.equal(nonPod.allowed, true);
  assert.equal(nonPod.patch, undefined);
  assert.match(nonPod.warnings[0] ?? "", /expected a v1 Pod, got apps\/v1 Deployment/);

  const brokenPod = admissionReview(
    { metadata: { name: "x" }, spec: { containers: "app" } },
    { uid: "22222222-3333-4444-5555-666666666666" },
  );
  const unparseable = decodeAnswer(
    JSON.parse((await call("POST", "/mutate", JSON.stringify(brokenPod))).body),
  );
  assert.equal(unparseable.uid, "22222222-3333-4444-5555-666666666666");
  assert.equal(unparseable.allowed, true);
  assert.equal(unparseable.patch, undefined);
  assert.match(unparseable.warnings[0] ?? "", /cannot read the pod \(spec\.containers/);

  const update = decodeAnswer(
    JSON.parse(
      (
        await call(
          "POST",
          "/mutate",
          JSON.stringify(admissionReview(deploymentPod(), { operation: "UPDATE" })),
        )
      ).body,
    ),
  );
  assert.equal(update.patch, undefined);
  assert.deepEqual(update.warnings, []);

  const warned = logs.filter((entry) => entry.level === "warn").map((entry) => entry.fields.outcome);
  assert.deepEqual(warned.slice(0, 4), [
    "malformed-review",
    "malformed-review",
    "not-a-pod",
    "unparseable-pod",
  ]);
  const metrics = (await call("GET", "/metrics")).body;
  assert.match(metrics, /outrigger_webhook_admissions_total\{outcome="malformed-review"\} 2/);
  assert.match(metrics, /outrigger_webhook_admissions_total\{outcome="not-a-pod"\} 1/);
  assert.match(metrics, /outrigger_webhook_admissions_total\{outcome="unparseable-pod"\} 1/);
  assert.match(metrics, /outrigger_webhook_admissions_total\{outcome="injected"\} [1-9]/);
  assert.match(metrics, /outrigger_webhook_admission_duration_seconds_count [1-9]/);
});

test("health, readiness, unknown paths and wrong methods", async () => {
  assert.equal((await call("GET", "/healthz")).status, 200);
  assert.equal((await call("GET", "/readyz")).status, 200);
  assert.equal((await call("GET", "/nope")).status, 404);
  assert.equal((await call("GET", "/mutate")).status, 405);
  assert.equal((await call("POST", "/metrics", "{}")).status, 405);
});

test("a Secret swap of the certificate is picked up; a mismatched pair is rejected and the old one kept", async () => {
  const firstFingerprint = new X509Certificate(first.cert).fingerprint256;
  const secondFingerprint = new X509Certificate(second.cert).fingerprint256;

  // Half-written rotation: new certificate, old key. Not usable, so the old pair keeps serving.
  writeSecretVolume(mount, { cert: second.cert, key: first.key }, 1);
  assert.equal(await server.reloadCertificate(), false);
  assert.equal((await call("GET", "/healthz")).fingerprint, firstFingerprint);

  writeSecretVolume(mount, second, 2);
  const deadline = Date.now() + 10_000;
  let served = "";
  while (Date.now() < deadline) {
    served = (await call("GET", "/healthz")).fingerprint;
    if (served === secondFingerprint) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(served, secondFingerprint, "the watcher applied the new pair without a restart");
  const metrics = (await call("GET", "/metrics")).body;
  assert.match(metrics, /outrigger_webhook_certificate_reloads_total\{result="applied"\} 1/);
  assert.match(metrics, /outrigger_webhook_certificate_reloads_total\{result="rejected"\} [1-9]/);
});
