// Helpers for the resilience end-to-end tests: a harness whose providers carry test-sized resilience settings.
import { type Harness, harnessConfig, startHarness } from "../support/sidecar-harness.ts";

type ProviderPatch = Record<string, unknown>;

/** The harness with `patches[providerId]` merged into each provider (e.g. `{ resilience: { retry: … } }`). */
export function startResilienceHarness(
  patches: Record<string, ProviderPatch>,
  extra: (config: Record<string, unknown>, simulatorUrl: string) => void = () => {},
): Promise<Harness> {
  return startHarness({
    config: (simulatorUrl) => {
      const config = harnessConfig(simulatorUrl);
      const providers = config.providers as Record<string, Record<string, unknown>>;
      for (const [id, patch] of Object.entries(patches)) {
        providers[id] = { ...(providers[id] ?? {}), ...patch };
      }
      extra(config, simulatorUrl);
      return config;
    },
  });
}

/** The provider requests the simulator received (control calls are not recorded; HEAD warm-ups are off). */
export function upstreamPosts(harness: Harness) {
  return harness.simulator.requests.filter((request) => request.method === "POST");
}

/** A metric's value from the sidecar's registry, 0 when the series does not exist. */
export async function metricValue(harness: Harness, name: string, labels: Record<string, string> = {}) {
  // A histogram's `_count` and `_sum` series live under the histogram's own name.
  const registry = harness.sidecar.metrics.registry;
  const metric =
    registry.getSingleMetric(name) ?? registry.getSingleMetric(name.replace(/_(count|sum)$/, ""));
  if (metric === undefined) return 0;
  const data = await metric.get();
  return data.values
    .filter((value) => {
      const series = (value as { metricName?: string }).metricName;
      return series === undefined || series === name;
    })
    .filter((value) =>
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

/** Fast retries for tests: the waits that matter come from the upstream's own headers. */
export const quickRetry = { maxAttempts: 3, baseDelay: "10ms", maxDelay: "50ms", maxWait: "10s" };
