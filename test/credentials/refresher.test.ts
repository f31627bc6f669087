// The refresher: single flight, refresh ahead with clamp and jitter, keep-until-expiry on failure, invalidate, events.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Credential } from "../../src/credentials/credential.ts";
import type { CredentialEvent } from "../../src/credentials/credential-events.ts";
import { keyIdOf } from "../../src/credentials/key-id.ts";
import { Refresher, type RefresherOptions } from "../../src/credentials/refresher.ts";
import { ProxyError } from "../../src/errors/proxy-error.ts";
import { ManualClock, settle } from "./manual-clock.ts";

const minute = 60_000;

/** A token issuer standing in for an identity provider: counts fetches, can be taken down or held. */
function issuer(clock: ManualClock, lifetime: number) {
  const state = { fetches: 0, down: false, gate: undefined as Promise<void> | undefined };
  const fetch = async (): Promise<Credential> => {
    state.fetches += 1;
    const serial = state.fetches;
    if (state.gate !== undefined) await state.gate;
    if (state.down) throw new ProxyError("credential_refresh_failed", "token endpoint answered 503");
    const token = `secret-token-${serial}`;
    return {
      kind: "token",
      token,
      style: "bearer",
      keyId: keyIdOf(token),
      expiresAt: clock.now() + lifetime,
    };
  };
  return { state, fetch };
}

function refresher(
  clock: ManualClock,
  fetch: RefresherOptions["fetch"],
  extra: Partial<RefresherOptions> = {},
) {
  const events: CredentialEvent[] = [];
  const source = new Refresher({
    description: "test issuer",
    fetch,
    clock,
    random: () => 0,
    listener: (event) => events.push(event),
    ...extra,
  });
  return { source, events };
}

test("20 concurrent current() calls with no token yet share one fetch", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 60 * minute);
  let release = (): void => {};
  state.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { source } = refresher(clock, fetch);
  const calls = Array.from({ length: 20 }, () => source.current());
  await settle();
  release();
  const credentials = await Promise.all(calls);
  assert.equal(state.fetches, 1);
  assert.ok(
    credentials.every((credential) => credential.kind === "token" && credential.token === "secret-token-1"),
  );
  source.close();
});

test("20 concurrent current() calls at a refresh cause exactly one fetch, before and after expiry", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 60 * minute);
  const { source } = refresher(clock, fetch, { refreshBefore: 5 * minute });
  await source.current();
  const hold = (): (() => void) => {
    let release = (): void => {};
    state.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return release;
  };

  // The background refresh is in flight: requests keep using the still-valid token and fetch nothing.
  let release = hold();
  await clock.advance(55 * minute);
  assert.equal(state.fetches, 2);
  const during = await Promise.all(Array.from({ length: 20 }, () => source.current()));
  assert.ok(
    during.every((credential) => credential.kind === "token" && credential.token === "secret-token-1"),
  );
  release();
  await settle();
  assert.equal(state.fetches, 2);

  // The next refresh hangs past expiry: requests wait for that one fetch, none starts another.
  release = hold();
  await clock.advance(61 * minute);
  assert.equal(state.fetches, 3);
  const calls = Array.from({ length: 20 }, () => source.current());
  await settle();
  release();
  const after = await Promise.all(calls);
  assert.equal(state.fetches, 3);
  assert.ok(
    after.every((credential) => credential.kind === "token" && credential.token === "secret-token-3"),
  );
  source.close();
});

test("refreshes in the background refreshBefore ahead of expiry", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 60 * minute);
  const { source, events } = refresher(clock, fetch, { refreshBefore: 5 * minute });
  const first = await source.current();
  assert.deepEqual(clock.pending(), [55 * minute]);
  await clock.advance(55 * minute - 1);
  assert.equal(state.fetches, 1);
  await clock.advance(1);
  assert.equal(state.fetches, 2);
  const second = await source.current();
  assert.notEqual(second.keyId, first.keyId);
  assert.equal(second.expiresAt, clock.now() + 60 * minute);
  assert.deepEqual(
    events.map((event) => [event.type, "trigger" in event ? event.trigger : ""]),
    [
      ["refreshed", "initial"],
      ["refreshed", "background"],
    ],
  );
  source.close();
});

test("refreshBefore is clamped to half of a short lifetime, and jitter moves the refresh earlier", async () => {
  const clock = new ManualClock();
  const short = issuer(clock, 2 * minute);
  const clamped = refresher(clock, short.fetch, { refreshBefore: 5 * minute }).source;
  await clamped.current();
  assert.deepEqual(clock.pending(), [1 * minute]);
  clamped.close();

  const jittered = issuer(clock, 60 * minute);
  const source = refresher(clock, jittered.fetch, { refreshBefore: 5 * minute, random: () => 0.999 }).source;
  await source.current();
  const [delay] = clock.pending().filter((value) => value > 10 * minute);
  assert.ok(delay !== undefined && delay < 55 * minute && delay >= 54.5 * minute, `delay ${delay}`);
  source.close();
});

test("endpoint down: the old token is kept until it expires, then a clear error and available=false", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 10 * minute);
  const { source, events } = refresher(clock, fetch, {
    refreshBefore: 2 * minute,
    description: "oauth2 test-idp",
  });
  const first = await source.current();
  state.down = true;
  await clock.advance(8 * minute + 5000); // the background refresh and a retry or two fail
  const failures = events.filter((event) => event.type === "refresh-failed").length;
  assert.ok(failures >= 2, `expected retries with backoff, saw ${failures}`);
  assert.ok(failures < 10, `backoff should space retries, saw ${failures}`);
  assert.equal((await source.current()).keyId, first.keyId);
  assert.equal(source.status().available, true);
  assert.match(source.status().detail, /refresh failing/);

  await clock.advance(2 * minute);
  await assert.rejects(source.current(), (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, "credential_refresh_failed");
    assert.match(error.message, /oauth2 test-idp/);
    assert.match(error.message, /503/);
    assert.doesNotMatch(error.message, /secret-token/);
    return true;
  });
  const status = source.status();
  assert.equal(status.available, false);
  assert.match(status.detail, /expired/);
  assert.ok(events.some((event) => event.type === "expired"));

  state.down = false;
  await clock.advance(60_000); // the next scheduled retry succeeds
  assert.equal(source.status().available, true);
  assert.notEqual((await source.current()).keyId, first.keyId);
  source.close();
});

test("a first fetch that fails makes current() throw and readiness false, without hammering the endpoint", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 10 * minute);
  state.down = true;
  const { source } = refresher(clock, fetch);
  await assert.rejects(source.current(), /test issuer is unavailable/);
  const afterFirst = state.fetches;
  await assert.rejects(source.current(), ProxyError);
  await assert.rejects(source.current(), ProxyError);
  assert.equal(state.fetches, afterFirst, "calls during backoff fail fast");
  assert.equal(source.status().available, false);
  source.close();
});

test("invalidate forces one refresh; a burst of invalidations for the old key refreshes once", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 60 * minute);
  const { source } = refresher(clock, fetch);
  const first = await source.current();
  for (let index = 0; index < 5; index += 1) source.invalidate(first.keyId);
  const waiting = Array.from({ length: 5 }, () => source.current());
  const after = await Promise.all(waiting);
  assert.equal(state.fetches, 2);
  assert.ok(after.every((credential) => credential.keyId !== first.keyId));
  source.invalidate(first.keyId); // a late 401 for the token already replaced
  await settle();
  assert.equal(state.fetches, 2);
  source.invalidate();
  await source.current();
  assert.equal(state.fetches, 3);
  source.close();
});

test("status() before any fetch starts one; close() stops background refreshes", async () => {
  const clock = new ManualClock();
  const { state, fetch } = issuer(clock, 10 * minute);
  const { source } = refresher(clock, fetch);
  assert.deepEqual(source.status().available, false);
  await settle();
  assert.equal(state.fetches, 1);
  assert.equal(source.status().available, true);
  source.close();
  await clock.advance(60 * minute);
  assert.equal(state.fetches, 1);
  await assert.rejects(source.current(), ProxyError);
});
