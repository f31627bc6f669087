// The provider policy's retry ∘ breaker: a retry's wait sits between the two, so it never holds the breaker.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isBrokenCircuitError } from "cockatiel";
import { parseConfig } from "../../src/config/load-config.ts";
import { sleep } from "../../src/limits/sleep.ts";
import { type AttemptResult, createProviderPolicy } from "../../src/resilience/provider-policy.ts";

function policyWith(breaker: Record<string, unknown>) {
  const config = parseConfig({
    providers: {
      p: {
        protocol: "openai",
        baseUrl: "http://127.0.0.1:1",
        credentials: [{ env: "UNUSED_KEY" }],
        resilience: { retry: { maxAttempts: 2 }, breaker },
      },
    },
  });
  const resilience = config.providers.p?.resilience;
  assert.ok(resilience !== undefined);
  return createProviderPolicy("p", resilience, undefined);
}

const failed: AttemptResult = { retry: false, breakerFailure: true };
const succeeded: AttemptResult = { retry: false, breakerFailure: false };
const never = new AbortController().signal;
const noWait = () => Promise.resolve();

/** Opens the circuit with other requests' failures. */
async function trip(policy: ReturnType<typeof policyWith>): Promise<void> {
  for (let index = 0; index < 4; index++) {
    await policy.execute(async () => failed, noWait, never).catch(() => undefined);
  }
  assert.equal(policy.state(), "open");
}

test("a retry waiting out its delay does not hold a half-open circuit's probe; another request probes at once", async () => {
  const policy = policyWith({ minRequests: 2, window: "1s", failureRatio: 0.5, halfOpenAfter: "50ms" });
  let waitStarted!: () => void;
  const waiting = new Promise<void>((resolve) => {
    waitStarted = resolve;
  });
  const leave = new AbortController();
  // The first attempt went out while the circuit was closed; while it ran, the circuit opened and its
  // half-open time came. It asks for a retry after a long wait.
  const first = policy.execute(
    async () => {
      await trip(policy);
      while (policy.halfOpenIn() > 0) await sleep(10, never);
      return { retry: true, breakerFailure: false };
    },
    () => {
      waitStarted();
      return sleep(60_000, leave.signal);
    },
    leave.signal,
  );
  await waiting;
  const second = policy.execute(async () => succeeded, noWait, never);
  const outcome = await Promise.race([second, sleep(2_000, never).then(() => "still queued")]);
  assert.equal(outcome, succeeded, "the other request was the probe and was served at once");
  assert.equal(policy.state(), "closed");
  leave.abort(new Error("client left"));
  await assert.rejects(first, /client left/);
});

test("a retry whose wait ends on an open circuit is refused by the breaker, not sent", async () => {
  const policy = policyWith({ minRequests: 2, window: "1s", failureRatio: 0.5, halfOpenAfter: "10s" });
  let attempts = 0;
  const result = policy.execute(
    async () => {
      attempts += 1;
      return { retry: true, breakerFailure: false };
    },
    // While this request waits, other requests' failures open the circuit.
    async () => {
      for (let index = 0; index < 4; index++) {
        await policy.execute(async () => failed, noWait, never).catch(() => undefined);
      }
    },
    never,
  );
  await assert.rejects(result, (error: unknown) => isBrokenCircuitError(error));
  assert.equal(attempts, 1, "the retry was checked against the circuit after its wait");
});
