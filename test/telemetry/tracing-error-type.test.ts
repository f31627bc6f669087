// error.type and an ERROR status on a failed call's chat span: upstream 4xx/5xx, a first-event stream error, and the proxy's own failures.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startResilienceHarness } from "../resilience/resilience-harness.ts";
import type { Harness } from "../support/sidecar-harness.ts";
import { exportTracesTo, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

let receiver: OtlpReceiver;
let restoreEnv: () => void;
let harness: Harness;

/** Fast retries: the "spent" case must not wait half a second per try. */
const twoQuickTries = { maxAttempts: 2, baseDelay: "10ms", maxDelay: "20ms", maxWait: "5s" };
const firstTokenTimeout = 400;

before(async () => {
  receiver = await startOtlpReceiver();
  restoreEnv = exportTracesTo(receiver);
  harness = await startResilienceHarness(
    {
      anthropic: { resilience: { retry: twoQuickTries } },
      openai: { resilience: { retry: { maxAttempts: 1 } } },
    },
    (config, simulatorUrl) => {
      const providers = config.providers as Record<string, Record<string, unknown>>;
      const anthropicKey = providers.anthropic?.credentials;
      // Retries off, and a first-token timeout short enough to fire in a test.
      providers["anthropic-once"] = {
        protocol: "anthropic",
        baseUrl: simulatorUrl,
        hosts: [],
        credentials: anthropicKey,
        resilience: {
          retry: { maxAttempts: 1 },
          timeouts: { firstToken: `${firstTokenTimeout}ms` },
        },
      };
      // A key file that was never written: every call fails in the proxy before anything is sent.
      providers["anthropic-nokey"] = {
        protocol: "anthropic",
        baseUrl: simulatorUrl,
        hosts: [],
        credentials: [{ file: join("/nonexistent-outrigger-test", "anthropic-key") }],
      };
    },
  );
});
after(async () => {
  await harness.close();
  await receiver.close();
  restoreEnv();
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

let traceCounter = 0;
/** A trace id of its own per call, so each test finds exactly its spans. */
function nextTraceId(): string {
  traceCounter += 1;
  return `c0ffee${traceCounter.toString(16).padStart(26, "0")}`;
}

async function post(traceId: string, path: string, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${harness.sidecar.proxyUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "placeholder",
      authorization: "Bearer placeholder",
      traceparent: `00-${traceId}-5555555555555555-01`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

const anthropicBody = (stream: boolean) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 32,
  stream,
  messages: [{ role: "user", content: "Hi" }],
});
const openaiBody = { model: "gpt-4.1-mini", messages: [{ role: "user", content: "Hi" }] };

interface CallSpans {
  readonly server: ReceivedSpan;
  readonly chat: ReceivedSpan;
  readonly attempts: ReceivedSpan[];
}

async function spansOf(traceId: string): Promise<CallSpans> {
  // The server span ends last: once it is in, the chat span and its attempts are too.
  await receiver.waitFor((spans) => spans.some((span) => span.traceId === traceId && span.kind === 2));
  const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
  const server = inTrace.find((span) => span.kind === 2);
  const chats = inTrace.filter((span) => span.name.startsWith("chat "));
  assert.ok(server, "a server span");
  assert.equal(chats.length, 1, `one chat span: ${inTrace.map((span) => span.name).join(", ")}`);
  const chat = chats[0] as ReceivedSpan;
  const attempts = inTrace
    .filter((span) => span.parentSpanId === chat.spanId && span.kind === 3)
    .sort((a, b) => (a.start < b.start ? -1 : 1));
  return { server, chat, attempts };
}

/** The chat span failed with `errorType`: the attribute, and an ERROR status whose message says the same. */
function assertFailed(span: ReceivedSpan, errorType: string, what: string): void {
  assert.equal(span.attributes["error.type"], errorType, `${what}: error.type`);
  assert.equal(span.statusCode, 2, `${what}: status ERROR`);
  assert.equal(span.statusMessage, errorType, `${what}: the status message names the error type`);
}

describe("an upstream error status answered to the client", () => {
  test("Anthropic 400 invalid_request_error: error.type is the parsed error kind, not the bare status", async () => {
    const traceId = nextTraceId();
    harness.simulator.script([
      {
        respond: {
          status: 400,
          body: {
            type: "error",
            error: { type: "invalid_request_error", message: "max_tokens: Field required" },
          },
        },
      },
    ]);
    const answer = await post(traceId, "/anthropic/v1/messages", anthropicBody(false));
    assert.equal(answer.status, 400, answer.body);
    assert.match(answer.body, /invalid_request_error/, "the provider's error reached the client");
    const { server, chat, attempts } = await spansOf(traceId);
    // span-recorder finish: observed.errorType (the kind dispatch parsed from the body) before the status.
    assertFailed(chat, "invalid_request", "chat");
    assert.equal(attempts.length, 1, "a 400 is not retried");
    assertFailed(attempts[0] as ReceivedSpan, "invalid_request", "attempt");
    assert.equal(attempts[0]?.attributes["http.response.status_code"], 400);
    // The server span marks only 5xx: a 400 is the client's mistake, not the server's failure.
    assert.equal(server.attributes["http.response.status_code"], 400);
    assert.equal(server.attributes["error.type"], undefined);
    assert.notEqual(server.statusCode, 2);
  });

  test("OpenAI's recorded 400 (unsupported_parameter): error.type invalid_request", async () => {
    const traceId = nextTraceId();
    harness.simulator.script([{ fixture: "openai/cassette-chat-bad-request" }]);
    const answer = await post(traceId, "/openai/v1/chat/completions", openaiBody);
    assert.equal(answer.status, 400, answer.body);
    assert.match(answer.body, /unsupported_parameter/);
    const { chat } = await spansOf(traceId);
    assertFailed(chat, "invalid_request", "chat");
  });

  test("OpenAI 500 with retries off: error.type api_error, and the server span is an error too", async () => {
    const traceId = nextTraceId();
    harness.simulator.script([
      {
        respond: {
          status: 500,
          body: {
            error: { message: "The server had an error", type: "server_error", param: null, code: null },
          },
        },
      },
    ]);
    const answer = await post(traceId, "/openai/v1/chat/completions", openaiBody);
    assert.equal(answer.status, 500, answer.body);
    const { server, chat, attempts } = await spansOf(traceId);
    assertFailed(chat, "api_error", "chat");
    assert.equal(attempts.length, 1, "retries off: one attempt");
    assert.equal(chat.attributes["outrigger.retries"], 0);
    assert.equal(server.attributes["http.response.status_code"], 500);
    assertFailed(server, "api_error", "server");
  });

  test("Anthropic 529 on both tries: the retries are spent and the call ends overloaded", async () => {
    const traceId = nextTraceId();
    const overloaded = {
      respond: {
        status: 529,
        body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      },
    };
    harness.simulator.script([overloaded, overloaded]);
    const answer = await post(traceId, "/anthropic/v1/messages", anthropicBody(false));
    assert.equal(answer.status, 529, answer.body);
    const { chat, attempts } = await spansOf(traceId);
    assert.equal(attempts.length, 2, "both tries were made");
    assert.equal(chat.attributes["outrigger.retries"], 1);
    assertFailed(chat, "overloaded", "chat");
  });
});

describe("a stream whose first event is an error", () => {
  test("retries off: the 200 stream carries the error event; error.type is the provider's error type", async () => {
    const traceId = nextTraceId();
    harness.simulator.script([{ firstEventError: { type: "overloaded_error", message: "Overloaded" } }]);
    const answer = await post(traceId, "/anthropic-once/v1/messages", anthropicBody(true));
    assert.equal(answer.status, 200, "the head was a 200 stream");
    assert.match(answer.body, /event: error/);
    assert.match(answer.body, /overloaded_error/);
    const { server, chat, attempts } = await spansOf(traceId);
    // From the stream's error event (record-event), not a status: the provider's own type.
    assertFailed(chat, "overloaded_error", "chat");
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.attributes["http.response.status_code"], 200);
    assertFailed(attempts[0] as ReceivedSpan, "overloaded_error", "attempt");
    assert.equal(server.attributes["http.response.status_code"], 200);
  });

  test("after the retries are spent: the last try's error event is the call's error", async () => {
    const traceId = nextTraceId();
    harness.simulator.script([
      { firstEventError: { type: "overloaded_error" } },
      { firstEventError: { type: "api_error", message: "Internal server error" } },
    ]);
    const answer = await post(traceId, "/anthropic/v1/messages", anthropicBody(true));
    assert.equal(answer.status, 200);
    assert.match(answer.body, /api_error/);
    const { chat, attempts } = await spansOf(traceId);
    assert.equal(attempts.length, 2, "the first error event was retried once");
    assert.equal(chat.attributes["outrigger.retries"], 1);
    // Two different types: the call's error is the last attempt's, not the first's.
    assertFailed(chat, "api_error", "chat");
  });
});

describe("a failure in the proxy itself", () => {
  test("an unknown credential file: credential_missing, nothing sent upstream", async () => {
    const traceId = nextTraceId();
    const sentBefore = harness.simulator.requests.length;
    const answer = await post(traceId, "/anthropic-nokey/v1/messages", anthropicBody(false));
    assert.equal(answer.status, 401, answer.body);
    assert.equal(harness.simulator.requests.length, sentBefore, "no upstream request");
    const { chat } = await spansOf(traceId);
    assertFailed(chat, "credential_missing", "chat");
  });

  test("no first token within the firstToken timeout: upstream_first_token_timeout", async () => {
    const traceId = nextTraceId();
    // The head arrives, then nothing: the first-token clock, not the first-byte one, runs out.
    harness.simulator.script([{ stallAfterHead: firstTokenTimeout * 10 }]);
    const answer = await post(traceId, "/anthropic-once/v1/messages", anthropicBody(true));
    assert.equal(answer.status, 504, answer.body);
    const { server, chat } = await spansOf(traceId);
    assertFailed(chat, "upstream_first_token_timeout", "chat");
    assertFailed(server, "upstream_first_token_timeout", "server");
  });
});
