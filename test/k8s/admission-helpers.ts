// Test helpers: decode an AdmissionReview answer, apply its JSONPatch, validate the pod like the API server would.
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import { Pod } from "kubernetes-models/v1";
import type { Json } from "./pod-fixtures.ts";

export interface DecodedAnswer {
  readonly uid: string;
  readonly allowed: boolean;
  readonly patch?: jsonpatch.Operation[];
  readonly warnings: string[];
}

export function decodeAnswer(answer: unknown): DecodedAnswer {
  const review = answer as { apiVersion?: unknown; kind?: unknown; response?: Record<string, unknown> };
  assert.equal(review.apiVersion, "admission.k8s.io/v1");
  assert.equal(review.kind, "AdmissionReview");
  const response = review.response;
  assert.ok(response !== undefined, "the answer carries a response");
  let patch: jsonpatch.Operation[] | undefined;
  if (response.patch !== undefined) {
    assert.equal(response.patchType, "JSONPatch");
    assert.equal(typeof response.patch, "string");
    patch = JSON.parse(
      Buffer.from(response.patch as string, "base64").toString("utf8"),
    ) as jsonpatch.Operation[];
  } else {
    assert.equal(response.patchType, undefined, "no patchType without a patch");
  }
  return {
    uid: response.uid as string,
    allowed: response.allowed as boolean,
    patch,
    warnings: (response.warnings as string[] | undefined) ?? [],
  };
}

/** Applies the patch to a copy, validating every operation (a bad path throws, as in the API server). */
export function applyPatch(pod: Json, patch: jsonpatch.Operation[]): Json {
  const copy = structuredClone(pod);
  return jsonpatch.applyPatch(copy, patch, true, true).newDocument;
}

const ianaServiceName = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

type ContainerLike = {
  name: string;
  restartPolicy?: string;
  env?: { name: string }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
};

/** The OpenAPI schema (kubernetes-models) plus the API server's validation rules the schema cannot express. */
export function validatePod(pod: Json): void {
  new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate();
  const spec = pod.spec as {
    initContainers?: ContainerLike[];
    containers: ContainerLike[];
    volumes?: { name: string }[];
  };
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const names = all.map((container) => container.name);
  assert.equal(new Set(names).size, names.length, `container names are unique: ${names.join(", ")}`);
  const volumes = (spec.volumes ?? []).map((volume) => volume.name);
  assert.equal(new Set(volumes).size, volumes.length, `volume names are unique: ${volumes.join(", ")}`);
  const portNames: string[] = [];
  for (const container of all) {
    for (const port of container.ports ?? []) {
      if (port.name !== undefined) {
        assert.match(port.name, ianaServiceName, `port name ${port.name} is an IANA_SVC_NAME`);
        portNames.push(port.name);
      }
    }
    for (const mount of container.volumeMounts ?? []) {
      assert.ok(volumes.includes(mount.name), `${container.name} mounts a volume that exists: ${mount.name}`);
    }
    const paths = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
    assert.equal(new Set(paths).size, paths.length, `${container.name} has no duplicate mount paths`);
    const envNames = (container.env ?? []).map((variable) => variable.name);
    assert.equal(new Set(envNames).size, envNames.length, `${container.name} has no duplicate env names`);
  }
  assert.equal(new Set(portNames).size, portNames.length, "port names are unique within the pod");
  for (const container of spec.containers) {
    assert.equal(container.restartPolicy, undefined, "restartPolicy is only allowed on init containers");
  }
}

export function envOf(container: {
  env?: { name: string; value?: string }[];
}): Map<string, string | undefined> {
  return new Map((container.env ?? []).map((variable) => [variable.name, variable.value]));
}
