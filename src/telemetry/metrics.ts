// Prometheus metrics (prom-client) on one registry: GenAI convention names plus the proxy's own outrigger_*.
// The per-request series use fast-metrics.ts (same exposition, no per-call label validation): see bench/README.md.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { FastCounter, FastGauge, FastHistogram } from "./fast-metrics.ts";

/** Bucket boundaries from the OpenTelemetry GenAI semantic conventions. */
const operationDurationBuckets = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const tokenUsageBuckets = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** The proxy's own upstream TTFB: the conventions' duration boundaries with a finer first step. */
const upstreamTtfbBuckets = [0.005, ...operationDurationBuckets];

export interface Metrics {
  readonly registry: Registry;
  readonly requests: FastCounter<"provider" | "model" | "status_class" | "outcome">;
  readonly requestDuration: FastHistogram<"provider" | "status_class">;
  readonly operationDuration: FastHistogram<
    "gen_ai_operation_name" | "gen_ai_provider_name" | "gen_ai_request_model" | "error_type"
  >;
  readonly timeToFirstChunk: FastHistogram<
    "gen_ai_operation_name" | "gen_ai_provider_name" | "gen_ai_request_model"
  >;
  readonly tokenUsage: FastHistogram<
    "gen_ai_operation_name" | "gen_ai_provider_name" | "gen_ai_request_model" | "gen_ai_token_type"
  >;
  readonly upstreamTtfb: FastHistogram<"provider">;
  readonly activeStreams: FastGauge<"provider">;
  // Resilience (DESIGN.md §6): retries, budget, breaker, pacing, key pools, Redis.
  readonly attempts: FastCounter<"provider">;
  readonly retries: Counter<"provider" | "reason">;
  readonly retryBudgetRefusals: Counter<"provider">;
  readonly circuitState: Gauge<"provider">;
  readonly circuitTransitions: Counter<"provider" | "state">;
  readonly pacingWait: Histogram<"provider" | "cause">;
  readonly pacingRejections: Counter<"provider">;
  readonly pauses: Counter<"provider" | "scope">;
  readonly rateLimitRemaining: Gauge<"provider" | "dimension">;
  readonly keyState: Gauge<"provider" | "key" | "state">;
  readonly redisUp: Gauge;
  readonly redisFallbacks: Counter;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters fail `promtool check metrics`; the per-type gauges without `_total` stay.
    for (const name of [
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
    ])
      registry.removeSingleMetric(name);
  }
  const registers = [registry];
  return {
    registry,
    requests: new FastCounter({
      name: "outrigger_requests_total",
      help: "Requests handled by the proxy, by provider, model, HTTP status class and outcome.",
      labelNames: ["provider", "model", "status_class", "outcome"],
      registers,
    }),
    requestDuration: new FastHistogram({
      name: "outrigger_request_duration_seconds",
      help: "Time from request received to response body finished, as the client saw it.",
      labelNames: ["provider", "status_class"],
      buckets: operationDurationBuckets,
      registers,
    }),
    operationDuration: new FastHistogram({
      name: "gen_ai_client_operation_duration_seconds",
      help: "GenAI operation duration.",
      labelNames: ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "error_type"],
      buckets: operationDurationBuckets,
      registers,
    }),
    timeToFirstChunk: new FastHistogram({
      name: "gen_ai_client_operation_time_to_first_chunk_seconds",
      help: "Time from request to the first content chunk of a streamed response.",
      labelNames: ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"],
      // The conventions give time to first chunk the same boundaries as the operation's duration.
      buckets: operationDurationBuckets,
      registers,
    }),
    tokenUsage: new FastHistogram({
      name: "gen_ai_client_token_usage",
      help: "Number of input and output tokens used.",
      labelNames: [
        "gen_ai_operation_name",
        "gen_ai_provider_name",
        "gen_ai_request_model",
        "gen_ai_token_type",
      ],
      buckets: tokenUsageBuckets,
      registers,
    }),
    upstreamTtfb: new FastHistogram({
      name: "outrigger_upstream_ttfb_seconds",
      help: "Time from the upstream request sent to its response head.",
      labelNames: ["provider"],
      buckets: upstreamTtfbBuckets,
      registers,
    }),
    activeStreams: new FastGauge({
      name: "outrigger_active_streams",
      help: "Responses currently being streamed to clients.",
      labelNames: ["provider"],
      registers,
    }),
    attempts: new FastCounter({
      name: "outrigger_upstream_attempts_total",
      help: "Upstream attempts sent, first tries and retries.",
      labelNames: ["provider"],
      registers,
    }),
    retries: new Counter({
      name: "outrigger_retries_total",
      help: "Attempts retried by the proxy, by the reason the previous one failed.",
      labelNames: ["provider", "reason"],
      registers,
    }),
    retryBudgetRefusals: new Counter({
      name: "outrigger_retry_budget_refusals_total",
      help: "Retries not made because the provider's retry budget was spent.",
      labelNames: ["provider"],
      registers,
    }),
    circuitState: new Gauge({
      name: "outrigger_circuit_state",
      help: "Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.",
      labelNames: ["provider"],
      registers,
    }),
    circuitTransitions: new Counter({
      name: "outrigger_circuit_transitions_total",
      help: "Circuit breaker state changes, by the state entered.",
      labelNames: ["provider", "state"],
      registers,
    }),
    pacingWait: new Histogram({
      name: "outrigger_pacing_wait_seconds",
      help: "Time requests waited for pacing: a token bucket, a header-driven pause, a cooling key, the bulkhead.",
      labelNames: ["provider", "cause"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    pacingRejections: new Counter({
      name: "outrigger_pacing_rejections_total",
      help: "Requests answered 429 by the proxy because the wait would exceed bulkhead.queueTimeout.",
      labelNames: ["provider"],
      registers,
    }),
    pauses: new Counter({
      name: "outrigger_ratelimit_pauses_total",
      help: "Header-driven pauses: a response said remaining 0 with a reset time.",
      labelNames: ["provider", "scope"],
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: "outrigger_ratelimit_remaining",
      help: "Remaining allowance the provider last reported, per dimension.",
      labelNames: ["provider", "dimension"],
      registers,
    }),
    keyState: new Gauge({
      name: "outrigger_credential_key_state",
      help: "1 for the state each pooled key is in (active, cooling, rejected); key is its position in the config.",
      labelNames: ["provider", "key", "state"],
      registers,
    }),
    redisUp: new Gauge({
      name: "outrigger_redis_up",
      help: "1 when the fleet-pacing Redis is reachable, 0 when pacing runs on local limits.",
      registers,
    }),
    redisFallbacks: new Counter({
      name: "outrigger_redis_fallback_total",
      help: "Pacing decisions made locally because Redis was unreachable.",
      registers,
    }),
  };
}
