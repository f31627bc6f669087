// Zod schema for providers.<id>.resilience: retry, breaker, timeouts, bulkhead, pacing (DESIGN.md §6).
import { z } from "zod";
import { duration, integer, ratio } from "./schema-primitives.ts";

// Defaults sized for LLM calls: long first tokens, minutes-long streams, bursty 429/529s.
const retry = z
  .strictObject({
    maxAttempts: integer(1).prefault(3),
    baseDelay: duration().prefault("500ms"),
    maxDelay: duration().prefault("8s"),
    maxWait: duration().prefault("30s"),
    budgetRatio: ratio({ allowZero: true }).prefault(0.2),
  })
  .refine((value) => value.maxDelay >= value.baseDelay, {
    path: ["maxDelay"],
    error: "maxDelay must be at least baseDelay",
  });

const breaker = z.strictObject({
  failureRatio: ratio({ allowZero: false }).prefault(0.5),
  minRequests: integer(1).prefault(20),
  window: duration({ positive: true }).prefault("10s"),
  halfOpenAfter: duration({ positive: true }).prefault("30s"),
});

const timeouts = z.strictObject({
  connect: duration({ positive: true }).prefault("5s"),
  firstByte: duration({ positive: true }).prefault("60s"),
  firstToken: duration({ positive: true }).prefault("120s"),
  idle: duration({ positive: true }).prefault("60s"),
  total: duration({ positive: true }).prefault("10m"),
});

const bulkhead = z.strictObject({
  maxConcurrent: integer(1).prefault(256),
  maxQueued: integer(0).prefault(1024),
  queueTimeout: duration().prefault("30s"),
});

// No pacing by default: limits differ per account, and the header-driven pauses need no config.
const pacing = z.strictObject({
  requestsPerMinute: integer(1).optional(),
  tokensPerMinute: integer(1).optional(),
});

export const resilienceSchema = z.strictObject({
  retry: retry.prefault({}),
  breaker: breaker.prefault({}),
  timeouts: timeouts.prefault({}),
  bulkhead: bulkhead.prefault({}),
  pacing: pacing.prefault({}),
});
