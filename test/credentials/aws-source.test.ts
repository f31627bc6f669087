// aws source: keys from env and files, optional session token, re-read after invalidate (rotation).
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createAwsSource } from "../../src/credentials/aws-source.ts";

test("reads access key, secret and session token; a rotated file is picked up after invalidate", async () => {
  const directory = await mkdtemp(join(tmpdir(), "outrigger-aws-"));
  const secretFile = join(directory, "secret");
  await writeFile(secretFile, "first-secret\n");
  const env = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SESSION_TOKEN: "session-1" };
  const source = createAwsSource(
    {
      region: "us-east-1",
      accessKeyId: { env: "AWS_ACCESS_KEY_ID" },
      secretAccessKey: { file: secretFile },
      sessionToken: { env: "AWS_SESSION_TOKEN" },
    },
    { env },
  );
  try {
    const first = await source.current();
    assert.deepEqual(
      { ...first, keyId: "" },
      {
        kind: "aws",
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "first-secret",
        sessionToken: "session-1",
        region: "us-east-1",
        keyId: "",
      },
    );
    assert.equal(first.expiresAt, undefined);
    assert.equal(source.status().available, true);
    assert.doesNotMatch(source.status().detail, /first-secret/);

    await writeFile(secretFile, "second-secret\n");
    assert.equal((await source.current()).keyId, first.keyId, "no re-read without a reason");
    source.invalidate(first.keyId);
    const second = await source.current();
    assert.ok(second.kind === "aws" && second.secretAccessKey === "second-secret");
    assert.notEqual(second.keyId, first.keyId);
  } finally {
    source.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test("a missing access key makes the source unavailable, naming the variable", async () => {
  const source = createAwsSource(
    {
      region: "eu-west-1",
      accessKeyId: { env: "NO_SUCH_KEY_ID" },
      secretAccessKey: { env: "NO_SUCH_SECRET" },
    },
    { env: {} },
  );
  await assert.rejects(source.current(), /NO_SUCH_KEY_ID/);
  assert.equal(source.status().available, false);
  source.close();
});
