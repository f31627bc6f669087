// One admission decision: review body in, AdmissionReview answer out; bad input is allowed with a warning.
import { admissionResponse, parseAdmissionReview } from "./admission-review.ts";
import { type InjectionOutcome, injectPod } from "./inject-pod.ts";
import { parsePod, podDisplayName } from "./pod-view.ts";
import type { WebhookConfig } from "./webhook-config.ts";

export type ReviewOutcome =
  | InjectionOutcome
  | "malformed-review"
  | "not-a-pod"
  | "unparseable-pod"
  | "not-create";

export interface ReviewResult {
  readonly answer: Record<string, unknown>;
  readonly outcome: ReviewOutcome;
  /** `namespace/name` when known, for the log line. */
  readonly pod?: string;
  readonly uid: string;
  readonly warnings: readonly string[];
  /** Why bad input was let through, for the log (never contains pod contents). */
  readonly reason?: string;
}

export interface ReviewOptions {
  readonly config: WebhookConfig;
  readonly namespaceOptedIn: boolean;
}

export function reviewPod(body: unknown, options: ReviewOptions): ReviewResult {
  const parsed = parseAdmissionReview(body);
  if (!parsed.ok) {
    const warnings = [`outrigger: sidecar not injected: malformed AdmissionReview (${parsed.reason})`];
    return {
      answer: admissionResponse({ uid: parsed.uid, warnings }),
      outcome: "malformed-review",
      uid: parsed.uid,
      warnings,
      reason: parsed.reason,
    };
  }
  const { request } = parsed;
  const { uid } = request;
  const kind = request.kind;
  if (
    kind.group !== "" ||
    kind.version !== "v1" ||
    kind.kind !== "Pod" ||
    request.subResource !== undefined
  ) {
    const what = `${kind.group === "" ? "" : `${kind.group}/`}${kind.version} ${kind.kind}`;
    const warnings = [`outrigger: sidecar not injected: expected a v1 Pod, got ${what}`];
    return {
      answer: admissionResponse({ uid, warnings }),
      outcome: "not-a-pod",
      uid,
      warnings,
      reason: what,
    };
  }
  if (request.operation !== "CREATE") {
    // Containers of a running pod are immutable: nothing to inject, nothing to warn about.
    return { answer: admissionResponse({ uid }), outcome: "not-create", uid, warnings: [] };
  }
  const pod = parsePod(request.object);
  if (!pod.ok) {
    const warnings = [`outrigger: sidecar not injected: cannot read the pod (${pod.reason})`];
    return {
      answer: admissionResponse({ uid, warnings }),
      outcome: "unparseable-pod",
      uid,
      warnings,
      reason: pod.reason,
    };
  }
  const result = injectPod(pod.pod, options);
  return {
    answer: admissionResponse({ uid, patch: result.patch, warnings: result.warnings }),
    outcome: result.outcome,
    pod: podDisplayName(pod.pod, request.namespace),
    uid,
    warnings: result.warnings,
  };
}
