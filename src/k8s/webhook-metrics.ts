// Prometheus metrics of the injection webhook, in its own prom-client Registry (never the global one).
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface WebhookMetrics {
  readonly registry: Registry;
  /** outcome: injected, already-injected, opted-out, not-selected, conflict, malformed-review, not-a-pod, unparseable-pod, not-create. */
  readonly admissions: Counter<"outcome">;
  readonly warnings: Counter;
  readonly duration: Histogram;
  /** result: applied, rejected (the new files did not form a valid cert/key pair). */
  readonly certificateReloads: Counter<"result">;
}

export function createWebhookMetrics(options: { readonly processMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    admissions: new Counter({
      name: "outrigger_webhook_admissions_total",
      help: "AdmissionReviews answered, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    warnings: new Counter({
      name: "outrigger_webhook_warnings_total",
      help: "Warnings returned to the API server (bad input or ignored annotations)",
      registers: [registry],
    }),
    duration: new Histogram({
      name: "outrigger_webhook_admission_duration_seconds",
      help: "Time to answer one AdmissionReview",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    certificateReloads: new Counter({
      name: "outrigger_webhook_certificate_reloads_total",
      help: "Serving certificate changes seen on disk, by result",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}
