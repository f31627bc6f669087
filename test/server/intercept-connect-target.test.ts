// CONNECT target parsing as a table: what the forward-proxy door accepts, and what it answers 400 to.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConnectTarget } from "../../src/server/connect-target.ts";

test("accepted CONNECT targets", () => {
  const accepted: [string, string, number][] = [
    ["api.openai.com:443", "api.openai.com", 443],
    ["API.Anthropic.COM:443", "api.anthropic.com", 443],
    ["api.deepseek.com.:8443", "api.deepseek.com", 8443],
    ["localhost:1", "localhost", 1],
    ["127.0.0.1:65535", "127.0.0.1", 65535],
    ["[::1]:443", "::1", 443],
    ["[2001:DB8::1]:443", "2001:db8::1", 443],
    ["my_host.internal:443", "my_host.internal", 443],
  ];
  for (const [target, host, port] of accepted) {
    assert.deepEqual(parseConnectTarget(target), { host, port }, target);
  }
});

test("refused CONNECT targets say why", () => {
  const refused: [string | undefined, RegExp][] = [
    [undefined, /needs a host:port/],
    ["", /needs a host:port/],
    ["api.openai.com", /host:port/],
    ["api.openai.com:", /numeric port/],
    ["api.openai.com:https", /numeric port/],
    ["api.openai.com:0", /between 1 and 65535/],
    ["api.openai.com:65536", /between 1 and 65535/],
    ["api.openai.com:123456", /numeric port/],
    ["api.openai.com:-1", /numeric port/],
    [":443", /malformed host/],
    ["https://api.openai.com:443", /host:port/],
    ["api.openai.com:443/v1", /numeric port/],
    ["user@api.openai.com:443", /malformed host/],
    ["api..openai.com:443", /malformed host/],
    ["-bad.example:443", /malformed host/],
    ["::1:443", /host:port/],
    ["[::g]:443", /malformed IPv6/],
    ["999.1.1.1:443", /malformed host/],
    ["a b:443", /malformed host/],
  ];
  for (const [target, reason] of refused) {
    const result = parseConnectTarget(target);
    assert.ok("error" in result, `${String(target)} should be refused`);
    assert.match(result.error, reason, String(target));
  }
});
