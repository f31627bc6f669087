// AdmissionReview v1: parses the API server's request and builds the response (base64 JSONPatch, uid echoed).
import { z } from "zod";
import type { JsonPatchOperation } from "./inject-pod.ts";

const requestSchema = z.looseObject({
  uid: z.string().min(1),
  kind: z.looseObject({ group: z.string(), version: z.string(), kind: z.string() }),
  operation: z.string(),
  namespace: z.string().optional(),
  subResource: z.string().optional(),
  dryRun: z.boolean().optional(),
  object: z.unknown(),
});
const reviewSchema = z.looseObject({
  apiVersion: z.literal("admission.k8s.io/v1"),
  kind: z.literal("AdmissionReview"),
  request: requestSchema,
});

export type AdmissionRequest = z.infer<typeof requestSchema>;

export type ReviewParseResult =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly uid: string; readonly reason: string };

/** Best effort uid even from a broken review, so the API server can still match the answer. */
function salvageUid(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const request = (body as { request?: unknown }).request;
  if (typeof request !== "object" || request === null) return "";
  const uid = (request as { uid?: unknown }).uid;
  return typeof uid === "string" ? uid : "";
}

export function parseAdmissionReview(body: unknown): ReviewParseResult {
  const result = reviewSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data.request };
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.join(".")}: `;
  return {
    ok: false,
    uid: salvageUid(body),
    reason: `${where}${issue?.message ?? "invalid AdmissionReview"}`,
  };
}

export interface AdmissionAnswer {
  readonly uid: string;
  readonly patch?: readonly JsonPatchOperation[];
  readonly warnings?: readonly string[];
}

/** Always `allowed: true`: the sidecar never blocks a deployment. */
export function admissionResponse(answer: AdmissionAnswer): Record<string, unknown> {
  const response: Record<string, unknown> = { uid: answer.uid, allowed: true };
  if (answer.patch !== undefined && answer.patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(answer.patch)).toString("base64");
  }
  if (answer.warnings !== undefined && answer.warnings.length > 0) {
    // The API server shows warnings to kubectl users; keep them one line and short.
    response.warnings = answer.warnings.map((warning) => warning.replace(/\s+/g, " ").slice(0, 240));
  }
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response };
}
