// Metrics read from live state: upstream pool connections, credential expiry, event-loop utilization, and refreshes reported by the refresher.
import { performance } from "node:perf_hooks";
import type { Registry } from "prom-client";
import { Counter, Gauge } from "prom-client";
import type { CredentialEventHub } from "../credentials/credential-events.ts";
import type { ProviderRuntime } from "../routing/provider-runtime.ts";

export interface RuntimeMetricsOptions {
  readonly registry: Registry;
  readonly providers: readonly ProviderRuntime[];
  /** Where refreshers report (the process-wide hub unless a test gives its own). */
  readonly events: CredentialEventHub;
}

export interface RuntimeMetrics {
  readonly credentialRefreshes: Counter<"provider" | "outcome" | "trigger">;
  /** Stops listening to credential events. */
  close(): void;
}

const poolStates = ["connected", "free", "pending", "queued", "running"] as const;

export function registerRuntimeMetrics(options: RuntimeMetricsOptions): RuntimeMetrics {
  const { providers } = options;
  const registers = [options.registry];

  // Read at scrape time: nothing runs per request for these.
  new Gauge({
    name: "outrigger_upstream_connections",
    help: "Upstream pool connections per provider: connected, free (idle), running, and requests pending or queued.",
    labelNames: ["provider", "state"],
    registers,
    collect() {
      this.reset();
      for (const provider of providers) {
        const stats = provider.upstream.stats?.();
        if (stats === undefined) continue;
        for (const state of poolStates) this.set({ provider: provider.id, state }, stats[state]);
      }
    },
  });

  // The credential's position in the provider's pool is the label: stable, and says nothing about the secret.
  new Gauge({
    name: "outrigger_credential_expiry_timestamp_seconds",
    help: "When the current credential expires (Unix seconds); absent for credentials that do not expire.",
    labelNames: ["provider", "credential"],
    registers,
    collect() {
      this.reset();
      for (const provider of providers) {
        provider.credentials.forEach((source, index) => {
          const expiresAt = source.status().expiresAt;
          if (expiresAt !== undefined)
            this.set({ provider: provider.id, credential: String(index) }, expiresAt / 1000);
        });
      }
    },
  });

  new Gauge({
    name: "outrigger_credential_available",
    help: "1 when the credential source has a usable credential, else 0.",
    labelNames: ["provider", "credential"],
    registers,
    collect() {
      this.reset();
      for (const provider of providers) {
        provider.credentials.forEach((source, index) => {
          this.set({ provider: provider.id, credential: String(index) }, source.status().available ? 1 : 0);
        });
      }
    },
  });

  // How busy the sidecar's one thread is between two scrapes: the saturation signal for a proxy, which
  // queues (and its event-loop lag grows) only once this nears 1. Lag itself is prom-client's
  // nodejs_eventloop_lag_* (process defaults).
  let utilizationMark = performance.eventLoopUtilization();
  new Gauge({
    name: "outrigger_event_loop_utilization",
    help: "Fraction of time the event loop was busy since the previous scrape (0 to 1).",
    registers,
    collect() {
      const now = performance.eventLoopUtilization();
      const since = performance.eventLoopUtilization(now, utilizationMark);
      this.set(since.utilization);
      // A second read moments later (two scrapers, or one scrape reading twice) would measure a busy
      // instant: the window only moves on once it spans a second.
      if (since.idle + since.active >= 1000) utilizationMark = now;
    },
  });

  const credentialRefreshes = new Counter({
    name: "outrigger_credential_refreshes_total",
    help: "Credential refreshes by outcome (success, failure, expired: the last token lapsed unreplaced) and trigger.",
    labelNames: ["provider", "outcome", "trigger"],
    registers,
  });

  // Events name their source by its safe description; this sidecar's sources map it back to a provider.
  const providerOf = new Map<string, string>();
  for (const provider of providers) {
    for (const source of provider.credentials) providerOf.set(source.description, provider.id);
  }
  const unsubscribe = options.events.subscribe((event) => {
    const provider = providerOf.get(event.source);
    if (provider === undefined) return;
    if (event.type === "refreshed")
      credentialRefreshes.inc({ provider, outcome: "success", trigger: event.trigger });
    else if (event.type === "refresh-failed")
      credentialRefreshes.inc({ provider, outcome: "failure", trigger: event.trigger });
    else credentialRefreshes.inc({ provider, outcome: "expired", trigger: "expired" });
  });

  return { credentialRefreshes, close: unsubscribe };
}
