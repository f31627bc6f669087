// Retries end to end through the official SDKs (their own retries at defaults): waits from every upstream signal,
// retryable first events and stalls, and never more upstream attempts than retry.maxAttempts in all.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, beforeEach, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  metricValue,
  quickRetry,
  startResilienceHarness,
  upstreamPosts,
} from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";

let harness: Harness;
before(async () => {
  harness = await startResilienceHarness({
    anthropic: { resilience: { retry: quickRetry, timeouts: { firstToken: "400ms", idle: "300ms" } } },
    openai: {
      resilience: { retry: quickRetry, timeouts: { firstByte: "400ms", firstToken: "3s", idle: "300ms" } },
    },
    deepseek: { resilience: { retry: quickRetry, timeouts: { firstToken: "400ms" } } },
  });
});
after(async () => {
  await harness.close();
});
beforeEach(() => harness.simulator.reset());

const anthropic = () =>
  new Anthropic({ baseURL: `${harness.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });
const openai = (provider = "openai") =>
  new OpenAI({ baseURL: `${harness.sidecar.proxyUrl}/${provider}/v1`, apiKey: "placeholder" });
const message = {
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "Hi" }],
};
const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };

function gapsBetweenAttempts(): number[] {
  const times = upstreamPosts(harness).map((request) => request.receivedAt);
  return times.slice(1).map((time, index) => time - times[index]!);
}

describe("(a) 429 with retry-after: 1, then 200", () => {
  test("the app gets 200; the upstream saw 2 attempts at least 1 s apart", async () => {
    harness.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "1" } }]);
    const retriesBefore = await metricValue(harness, "outrigger_retries_total", { provider: "anthropic" });
    const answer = await anthropic().messages.create(message);
    assert.equal(answer.type, "message");
    const posts = upstreamPosts(harness);
    assert.equal(posts.length, 2);
    assert.equal(posts[1]!.body, posts[0]!.body, "the held body was replayed byte for byte");
    assert.equal(
      posts[1]!.headers["x-api-key"],
      posts[0]!.headers["x-api-key"],
      "prepared again, the same way",
    );
    assert.ok(gapsBetweenAttempts()[0]! >= 1_000, `waited ${gapsBetweenAttempts()[0]} ms`);
    const retriesAfter = await metricValue(harness, "outrigger_retries_total", {
      provider: "anthropic",
      reason: "rate_limited",
    });
    assert.equal(retriesAfter - retriesBefore, 1, "the retry is counted by reason");
  });
});

describe("(b) every reset-header style sets the wait", () => {
  const styles: {
    name: string;
    client: "anthropic" | "openai";
    headers: () => Record<string, string>;
    min: number;
  }[] = [
    { name: "retry-after-ms", client: "openai", headers: () => ({ "retry-after-ms": "800" }), min: 800 },
    {
      name: "retry-after as an HTTP date",
      client: "anthropic",
      // HTTP dates have whole seconds: two seconds ahead is at least one second away.
      headers: () => ({ "retry-after": new Date(Date.now() + 2_000).toUTCString() }),
      min: 1_000,
    },
    {
      name: "anthropic-ratelimit-tokens-reset (RFC 3339)",
      client: "anthropic",
      headers: () => ({
        "anthropic-ratelimit-tokens-remaining": "0",
        "anthropic-ratelimit-tokens-reset": new Date(Date.now() + 1_000).toISOString(),
      }),
      min: 950,
    },
    {
      name: "x-ratelimit-reset-requests as a duration",
      client: "openai",
      headers: () => ({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.2s" }),
      min: 1_150,
    },
    {
      name: "x-ratelimit-reset as Unix seconds",
      client: "openai",
      headers: () => ({ "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 2) }),
      min: 1_000,
    },
  ];
  for (const style of styles) {
    test(style.name, async () => {
      harness.simulator.script([{ respond: { status: 429 }, headers: style.headers() }]);
      if (style.client === "anthropic") {
        assert.equal((await anthropic().messages.create(message)).type, "message");
      } else {
        assert.equal((await openai().chat.completions.create(chat)).object, "chat.completion");
      }
      assert.equal(upstreamPosts(harness).length, 2);
      const gap = gapsBetweenAttempts()[0]!;
      assert.ok(gap >= style.min, `waited ${gap} ms, expected at least ${style.min}`);
      assert.ok(gap < style.min + 2_500, `waited ${gap} ms: not the backoff's or maxWait's doing`);
    });
  }
});

describe("(c) overloaded_error as the first event of a 200 stream", () => {
  test("is retried; the SDK's stream completes", async () => {
    harness.simulator.script([{ firstEventError: { type: "overloaded_error", message: "Overloaded" } }]);
    const final = await anthropic().messages.stream(message).finalMessage();
    assert.equal(final.type, "message");
    assert.ok(final.content.length > 0);
    assert.equal(upstreamPosts(harness).length, 2);
  });
});

describe("(c) overloaded_error as the first event of every attempt", () => {
  test("the attempts spent, the 200 error stream reaches the app with x-should-retry: false", async () => {
    const overloaded = { firstEventError: { type: "overloaded_error", message: "Overloaded" } };
    harness.simulator.script([overloaded, overloaded, overloaded]);
    const response = await fetch(`${harness.sidecar.proxyUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "placeholder",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({ ...message, stream: true }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-should-retry"), "false");
    assert.match(await response.text(), /overloaded_error/);
    assert.equal(upstreamPosts(harness).length, quickRetry.maxAttempts);
  });
});

describe("(c) a 200 stream that ends before its first event", () => {
  test("nothing reached the client yet: it is resent", async () => {
    const start = {
      type: "message_start",
      message: {
        id: "msg_cut",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [],
        stop_reason: null,
        usage: { input_tokens: 5, output_tokens: 0 },
      },
    };
    harness.simulator.script([
      {
        respond: {
          status: 200,
          headers: { "content-type": "text/event-stream" },
          body: `event: message_start\ndata: ${JSON.stringify(start)}\n\n`,
        },
      },
    ]);
    const final = await anthropic().messages.stream(message).finalMessage();
    assert.ok(final.content.length > 0);
    assert.equal(upstreamPosts(harness).length, 2);
  });
});

describe("(d) errors no retry can fix: exactly 1 upstream attempt, SDK included", () => {
  test("400", async () => {
    harness.simulator.script([{ respond: { status: 400 } }]);
    await assert.rejects(anthropic().messages.create(message), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      return true;
    });
    assert.equal(upstreamPosts(harness).length, 1);
  });

  test("429 insufficient_quota (the OpenAI SDK would otherwise retry a 429)", async () => {
    harness.simulator.script([
      {
        respond: {
          status: 429,
          body: {
            error: {
              message: "You exceeded your quota",
              type: "insufficient_quota",
              param: null,
              code: "insufficient_quota",
            },
          },
        },
      },
    ]);
    const started = Date.now();
    await assert.rejects(openai().chat.completions.create(chat), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers?.get("x-should-retry"), "false");
      return true;
    });
    assert.equal(upstreamPosts(harness).length, 1);
    assert.ok(Date.now() - started < 1_000, "no SDK backoff happened either");
  });

  test("DeepSeek 402 insufficient balance", async () => {
    harness.simulator.script([
      {
        respond: {
          status: 402,
          body: {
            error: {
              message: "Insufficient Balance",
              type: "unknown_error",
              param: null,
              code: "invalid_request_error",
            },
          },
        },
      },
    ]);
    await assert.rejects(
      openai("deepseek").chat.completions.create({ ...chat, model: "deepseek-chat" }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 402);
        assert.equal(error.headers?.get("x-should-retry"), "false");
        return true;
      },
    );
    assert.equal(upstreamPosts(harness).length, 1);
  });
});

describe("(e) a persistent 500", () => {
  test("at most maxAttempts upstream attempts in all, whatever the SDK's own retries", async () => {
    harness.simulator.script(Array.from({ length: 10 }, () => ({ respond: { status: 500 } })));
    await assert.rejects(openai().chat.completions.create(chat, { maxRetries: 5 }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.headers?.get("x-should-retry"), "false");
      return true;
    });
    await assert.rejects(anthropic().messages.create(message, { maxRetries: 5 }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.InternalServerError);
      assert.equal(error.headers?.get("x-should-retry"), "false");
      return true;
    });
    assert.equal(upstreamPosts(harness).length, 2 * quickRetry.maxAttempts);
  });
});

describe("(g) a first-token stall", () => {
  test("head sent, then nothing: the attempt is abandoned and retried", async () => {
    harness.simulator.script([{ stallAfterHead: 5_000 }]);
    const final = await anthropic().messages.stream(message).finalMessage();
    assert.ok(final.content.length > 0);
    const posts = upstreamPosts(harness);
    assert.equal(posts.length, 2);
    assert.ok(posts[0]!.clientClosedEarly, "the stalled attempt was aborted upstream");
  });

  test("DeepSeek keep-alive comments do not count as a first token", async () => {
    harness.simulator.script([{ keepAlive: 3_000 }]);
    const stream = await openai("deepseek").chat.completions.create({
      ...chat,
      model: "deepseek-chat",
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.ok(text.length > 0);
    assert.equal(upstreamPosts(harness).length, 2);
  });
});

describe("(h) a stream cut after its head is never retried: the SDK raises", () => {
  test("Anthropic: the SDK raises an error event", async () => {
    harness.simulator.script([{ cutAfterEvents: 4 }]);
    await assert.rejects(anthropic().messages.stream(message).finalMessage(), (error: unknown) => {
      // An in-dialect `event: error`, not a dropped connection (APIConnectionError is an APIError too).
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.ok(!(error instanceof Anthropic.APIConnectionError), `got ${String(error)}`);
      assert.match(String(error), /cut mid-stream/);
      return true;
    });
    assert.equal(upstreamPosts(harness).length, 1);
  });

  test("OpenAI: the SDK raises from the final error chunk", async () => {
    harness.simulator.script([{ cutAfterEvents: 3 }]);
    const stream = await openai().chat.completions.create({ ...chat, stream: true });
    await assert.rejects(
      async () => {
        for await (const _chunk of stream) {
          // draining until the error
        }
      },
      (error: unknown) => {
        // The final `data: {"error":…}` chunk, not a dropped connection.
        assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
        assert.ok(!(error instanceof OpenAI.APIConnectionError), `got ${String(error)}`);
        assert.match(String(error), /cut mid-stream/);
        return true;
      },
    );
    assert.equal(upstreamPosts(harness).length, 1);
  });

  test("idle timeout mid-stream: an error the SDK raises, not a silently truncated stream", async () => {
    // The first content arrives within firstToken (3 s); the next gap (700 ms) exceeds idle (300 ms).
    harness.simulator.script([{ slowDrip: 700 }]);
    const stream = await openai().chat.completions.create({ ...chat, stream: true });
    let text = "";
    await assert.rejects(
      async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      },
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
        assert.match(String(error), /sent nothing for 300 ms/);
        return true;
      },
    );
    assert.ok(text.length > 0, "the content before the stall reached the app");
    const posts = upstreamPosts(harness);
    assert.equal(posts.length, 1, "never retried once the head was sent");
    for (let waited = 0; !posts[0]!.clientClosedEarly && waited < 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(posts[0]!.clientClosedEarly, "the quiet upstream was cut");
  });

  test("a stall before the first token that looks like a slow drip is retried (Anthropic, firstToken 400 ms)", async () => {
    harness.simulator.script([{ slowDrip: 700 }]);
    const final = await anthropic().messages.stream(message).finalMessage();
    assert.ok(final.content.length > 0);
    assert.equal(upstreamPosts(harness).length, 2);
  });
});

describe("the total timeout", () => {
  test("ends a stream that outlives it with an error event the SDK raises", async () => {
    const short = await startResilienceHarness({
      anthropic: { resilience: { timeouts: { total: "1200ms", idle: "5s", firstToken: "5s" } } },
    });
    try {
      short.simulator.script([{ slowDrip: 250 }]);
      const client = new Anthropic({ baseURL: `${short.sidecar.proxyUrl}/anthropic`, apiKey: "placeholder" });
      await assert.rejects(client.messages.stream(message).finalMessage(), (error: unknown) => {
        assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
        assert.match(String(error), /total timeout of 1200 ms/);
        return true;
      });
      assert.equal(upstreamPosts(short).length, 1);
    } finally {
      await short.close();
    }
  });
});

describe("waits the proxy will not take, and the retry budget", () => {
  test("a retry-after beyond maxWait: the upstream's 429 goes back as it came, with x-should-retry: false", async () => {
    // Its own sidecar: the 429's retry-after also pauses the provider for 60 s (header-driven pause).
    const paused = await startResilienceHarness({ openai: { resilience: { retry: quickRetry } } });
    try {
      paused.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "60" } }]);
      const client = new OpenAI({ baseURL: `${paused.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
      const started = Date.now();
      await assert.rejects(client.chat.completions.create(chat), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.headers?.get("retry-after"), "60", "the upstream's own header, unchanged");
        assert.equal(error.headers?.get("x-should-retry"), "false");
        return true;
      });
      assert.ok(Date.now() - started < 2_000);
      assert.equal(upstreamPosts(paused).length, 1);
      // The next request does not collect another 429: the provider is paused, the wait is past queueTimeout.
      await assert.rejects(client.chat.completions.create(chat), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.match(String(error), /is paced/);
        assert.ok(Number(error.headers?.get("retry-after")) >= 55);
        return true;
      });
      assert.equal(upstreamPosts(paused).length, 1);
    } finally {
      await paused.close();
    }
  });

  test("a client that leaves during a retry's wait ends the request at once: no second attempt is sent", async () => {
    const waiting = await startResilienceHarness({ openai: { resilience: { retry: quickRetry } } });
    try {
      waiting.simulator.script([{ respond: { status: 429 }, headers: { "retry-after": "3" } }]);
      const outgoing = request(`${waiting.sidecar.proxyUrl}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      outgoing.on("error", () => {});
      outgoing.end(JSON.stringify(chat));
      while (upstreamPosts(waiting).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // The 429 is in and the proxy waits its 3 s; the client gives up inside that wait.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const left = Date.now();
      outgoing.destroy();
      await waiting.waitFinished(1);
      const finishedAfter = Date.now() - left;
      assert.ok(finishedAfter < 1_500, `the request ended ${finishedAfter} ms after the client left`);
      await new Promise((resolve) => setTimeout(resolve, 3_500 - finishedAfter));
      assert.equal(upstreamPosts(waiting).length, 1, "the retry was not sent for nobody");
    } finally {
      await waiting.close();
    }
  });

  test("budgetRatio 0: past the floor of 10 retries per window, retries are refused and counted", async () => {
    const tight = await startResilienceHarness({
      // A breaker that never opens here, so every request reaches the retry decision.
      openai: {
        resilience: {
          retry: { ...quickRetry, maxAttempts: 2, budgetRatio: 0 },
          breaker: { minRequests: 1000 },
        },
      },
    });
    try {
      tight.simulator.script(Array.from({ length: 30 }, () => ({ respond: { status: 503 } })));
      const client = new OpenAI({ baseURL: `${tight.sidecar.proxyUrl}/openai/v1`, apiKey: "placeholder" });
      for (let index = 0; index < 14; index++) {
        await assert.rejects(client.chat.completions.create(chat), OpenAI.APIError);
      }
      assert.equal(upstreamPosts(tight).length, 14 + 10, "14 first attempts, 10 retries");
      assert.equal(
        await metricValue(tight, "outrigger_retry_budget_refusals_total", { provider: "openai" }),
        4,
      );
    } finally {
      await tight.close();
    }
  });
});

describe("before the head: firstByte and connection errors", () => {
  test("no response head within firstByte: abandoned and retried", async () => {
    harness.simulator.script([{ stallBeforeHead: 3_000 }]);
    assert.equal((await openai().chat.completions.create(chat)).object, "chat.completion");
    const posts = upstreamPosts(harness);
    assert.equal(posts.length, 2);
    for (let waited = 0; !posts[0]!.clientClosedEarly && waited < 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(posts[0]!.clientClosedEarly, "the stalled attempt was aborted upstream");
  });

  test("connection refused: maxAttempts attempts in all, then a 502 the SDK does not retry", async () => {
    const refused = await startResilienceHarness({
      anthropic: { baseUrl: "http://127.0.0.1:1", resilience: { retry: quickRetry } },
    });
    try {
      const client = new Anthropic({
        baseURL: `${refused.sidecar.proxyUrl}/anthropic`,
        apiKey: "placeholder",
      });
      await assert.rejects(client.messages.create(message), (error: unknown) => {
        assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
        assert.equal(error.status, 502);
        assert.equal(error.headers?.get("x-should-retry"), "false");
        return true;
      });
      assert.equal(
        await metricValue(refused, "outrigger_upstream_attempts_total", { provider: "anthropic" }),
        quickRetry.maxAttempts,
      );
      assert.equal(
        await metricValue(refused, "outrigger_retries_total", {
          provider: "anthropic",
          reason: "connection",
        }),
        quickRetry.maxAttempts - 1,
      );
    } finally {
      await refused.close();
    }
  });
});
