// Fault scripts are validated with the bad step named, and consumed one step per request in order and scope.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FaultScript, parseFaultScript } from "../../src/simulate/fault-script.ts";

test("valid steps parse; header names are lower-cased and stallBeforeHead true/null means forever", () => {
  const steps = parseFaultScript([
    {
      respond: { status: 429, headers: { "Retry-After": "1" } },
      headers: { "X-RateLimit-Remaining-Requests": 0 },
    },
    { stallBeforeHead: true },
    { stallBeforeHead: null, path: "/v1/messages" },
    {
      stallBeforeHead: 100,
      stallAfterHead: 50,
      cutAfterEvents: 2,
      keepAlive: 10,
      slowDrip: 5,
      fixture: "anthropic/anthropic-text",
    },
    { firstEventError: { type: "overloaded_error", message: "Overloaded" } },
  ]);
  assert.deepEqual(steps[0], {
    respond: { status: 429, headers: { "retry-after": "1" } },
    headers: { "x-ratelimit-remaining-requests": "0" },
  });
  assert.equal(steps[1]?.stallBeforeHead, null);
  assert.equal(parseFaultScript([{ stallBeforeHead: undefined }])[0]?.stallBeforeHead, null);
  assert.equal(steps[2]?.path, "/v1/messages");
  assert.equal(steps[3]?.cutAfterEvents, 2);
});

test("invalid scripts name the step and the problem", () => {
  const cases: readonly [unknown, RegExp][] = [
    [{}, /JSON array/],
    [[1], /script\[0\] must be an object/],
    [[{}, { respond: { status: 99 } }], /script\[1\]\.respond/],
    [[{ stallAfterHead: -1 }], /stallAfterHead/],
    [[{ cutAfterEvents: 1.5 }], /cutAfterEvents/],
    [[{ explode: true }], /unknown key 'explode'/],
    [[{ path: "v1" }], /path must start with/],
    [[{ headers: { a: {} } }], /headers\.a/],
    [[{ firstEventError: "x" }], /firstEventError/],
  ];
  for (const [input, message] of cases) assert.throws(() => parseFaultScript(input), message);
});

test("each request takes the first step in scope; an empty script means normal replay", () => {
  const script = new FaultScript();
  script.replace(parseFaultScript([{ path: "/v1/messages", slowDrip: 1 }, { slowDrip: 2 }, { slowDrip: 3 }]));
  assert.equal(script.take("/chat/completions")?.slowDrip, 2);
  assert.equal(script.take("/v1/messages")?.slowDrip, 1);
  assert.equal(script.take("/v1/messages")?.slowDrip, 3);
  assert.equal(script.take("/v1/messages"), undefined);
  assert.equal(script.pending.length, 0);
});
