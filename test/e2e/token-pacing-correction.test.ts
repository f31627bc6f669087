// The tokens-per-minute bucket takes an estimate up front and is corrected from the usage the response reports.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { metricValue, startResilienceHarness, upstreamPosts } from "../resilience/resilience-harness.ts";
import { fixturePath } from "../support/fixture-expectations.ts";
import type { Harness } from "../support/sidecar-harness.ts";

/**
 * Small enough that two large estimates do not fit in a minute's allowance, large enough that the fixture's
 * real usage leaves room for a second one. A refill of 1 000 a minute is ~17 tokens a second: negligible over
 * this test, and every margin below is far wider.
 */
const tokensPerMinute = 1_000;
/** A needed wait longer than this is the proxy's 429 at once instead of a wait (docs/resilience.md). */
const queueTimeout = "2s";
/** Refill this test could gain while it runs, with plenty of slack (6 s of refill). */
const refillSlack = 100;

type Json = Record<string, unknown>;

const smallFixture = "anthropic/anthropic-text.json";
const largeFixture = "anthropic/anthropic-web-search-tool.1.json";

function recorded(file: string): Json {
  return JSON.parse(readFileSync(fixturePath(file), "utf8")) as Json;
}

/** What the sidecar should count for a recorded Anthropic usage: input (cache included) plus output. */
function usageTotal(file: string): number {
  const usage = recorded(file).usage as Record<string, number>;
  return (
    usage.input_tokens! +
    (usage.cache_read_input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0) +
    usage.output_tokens!
  );
}

function messageBody(maxTokens: number): string {
  return JSON.stringify({
    model: "claude-sonnet-4-5",
    max_tokens: maxTokens,
    messages: [{ role: "user", content: "Hi" }],
  });
}

/** The documented estimate (docs/resilience.md: request bytes / 4 + max_tokens), worked out here on its own. */
function documentedEstimate(body: string, maxTokens: number): number {
  return Math.ceil(Buffer.byteLength(body) / 4) + maxTokens;
}

let harness: Harness;
before(async () => {
  const paced = {
    resilience: {
      pacing: { tokensPerMinute },
      bulkhead: { queueTimeout },
      // A proxy 429 is never the upstream's: no retry should blur the count of upstream requests.
      retry: { maxAttempts: 1 },
    },
  };
  // One provider per case, so each case starts with its own full bucket.
  harness = await startResilienceHarness({}, (config) => {
    const providers = config.providers as Record<string, Record<string, unknown>>;
    for (const id of ["corrected-down", "uncorrected", "corrected-up"]) {
      providers[id] = { ...providers.anthropic, ...paced };
    }
  });
});
after(async () => {
  await harness.close();
});

interface Sent {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
  readonly elapsedMs: number;
}

/** One request, waited on until the exchange (and with it the bucket's correction) has finished. */
async function send(provider: string, body: string, fixture?: string): Promise<Sent> {
  const count = harness.finished.length;
  const started = performance.now();
  const response = await fetch(`${harness.sidecar.proxyUrl}/${provider}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      ...(fixture === undefined ? {} : { "x-simulator-fixture": fixture }),
    },
    body,
  });
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  await harness.waitFinished(count + 1);
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: text, elapsedMs };
}

function assertProxyRefused(sent: Sent, atLeastSeconds: number): void {
  assert.equal(sent.status, 429, sent.body);
  assert.equal((JSON.parse(sent.body) as { error?: { type?: string } }).error?.type, "rate_limit_error");
  assert.ok(
    Number(sent.retryAfter) >= atLeastSeconds,
    `retry-after ${sent.retryAfter} s, expected at least ${atLeastSeconds} s`,
  );
}

describe("tokensPerMinute: estimated up front, corrected from observed usage", () => {
  const maxTokens = 780;
  const body = messageBody(maxTokens);
  const estimate = documentedEstimate(body, maxTokens);

  test("the numbers make the cases decide (preconditions)", () => {
    // Two estimates overrun the bucket even with generous refill: without a correction the second waits.
    assert.ok(2 * estimate > tokensPerMinute + refillSlack, `estimate ${estimate}`);
    // An estimate plus the small fixture's real usage fits: with the correction the second goes at once.
    assert.ok(estimate + usageTotal(smallFixture) <= tokensPerMinute, `estimate ${estimate}`);
    // The large fixture's usage alone drives the bucket to its floor.
    assert.ok(usageTotal(largeFixture) > 2 * tokensPerMinute);
  });

  test("small observed usage gives the estimate back: the second request goes at once", async () => {
    const postsBefore = upstreamPosts(harness).length;
    const waitsBefore = await metricValue(harness, "outrigger_pacing_wait_seconds_count", {
      provider: "corrected-down",
    });
    const first = await send("corrected-down", body, "anthropic/anthropic-text");
    assert.equal(first.status, 200, first.body);
    const [exchange] = harness.finished.slice(-1);
    const { inputTokens = 0, outputTokens = 0 } = exchange?.observed.usage ?? {};
    assert.equal(inputTokens + outputTokens, usageTotal(smallFixture), "the fixture's usage was observed");
    assert.ok(inputTokens + outputTokens < estimate / 10, "far below the estimate");

    const second = await send("corrected-down", body, "anthropic/anthropic-text");
    assert.equal(second.status, 200, second.body);
    assert.ok(second.elapsedMs < 1_500, `the second request took ${Math.round(second.elapsedMs)} ms`);
    assert.equal(
      await metricValue(harness, "outrigger_pacing_wait_seconds_count", { provider: "corrected-down" }),
      waitsBefore,
      "no pacing wait",
    );
    const posts = upstreamPosts(harness).slice(postsBefore);
    assert.deepEqual(
      posts.map((post) => post.fixture),
      [smallFixture, smallFixture],
      "both reached the upstream, once each",
    );
  });

  test("the same answer without usage leaves the estimate taken: the second is the proxy's 429", async () => {
    const postsBefore = upstreamPosts(harness).length;
    const { usage: _usage, ...withoutUsage } = recorded(smallFixture);
    harness.simulator.script([{ respond: { status: 200, body: withoutUsage } }]);
    const first = await send("uncorrected", body);
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(harness.finished.at(-1)?.observed.usage, {}, "nothing to correct from");

    const second = await send("uncorrected", body);
    // (estimate - what is left) at 1 000 a minute: tens of seconds, far past the 2 s queue timeout.
    const left = tokensPerMinute - estimate + refillSlack;
    assertProxyRefused(second, Math.floor(((estimate - left) * 60) / tokensPerMinute));
    assert.equal(upstreamPosts(harness).length - postsBefore, 1, "the second never left the sidecar");
  });

  test("large observed usage takes more than the estimate: a small second request is refused", async () => {
    const postsBefore = upstreamPosts(harness).length;
    const smallBody = messageBody(1);
    const smallEstimate = documentedEstimate(smallBody, 1);
    const first = await send("corrected-up", smallBody, "anthropic/anthropic-web-search-tool.1");
    assert.equal(first.status, 200, first.body);
    // Uncorrected, the bucket would still hold nearly all of its allowance for this small request.
    assert.ok(tokensPerMinute - smallEstimate >= smallEstimate);

    const second = await send("corrected-up", smallBody, "anthropic/anthropic-web-search-tool.1");
    // The bucket is at its floor (-capacity): a whole minute's refill before the next request fits.
    assertProxyRefused(second, 50);
    assert.equal(upstreamPosts(harness).length - postsBefore, 1, "the second never left the sidecar");
  });
});
