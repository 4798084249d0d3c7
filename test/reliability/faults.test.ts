import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { CIRCUIT_BREAKER_THRESHOLD, runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import { retryable } from '../../src/errors.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  assertBucketMatches,
  assertNoSecrets,
  chunksUntilDone as chunksUntilDoneIn,
  delegatingTarget,
  makeAccount,
  MiB,
  readLedger,
  waitFor,
} from '../support/reliability.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const PREFIX = 'backup';
const FLAGS = { prefix: PREFIX, 'part-size': '8MiB' };

function chunksUntilDone(
  bed: Testbed,
  limit: number,
  flags: Record<string, string> = {},
): Promise<ChunkResult[]> {
  return chunksUntilDoneIn(bed, { ...FLAGS, ...flags }, limit, assert.ok);
}

async function assertAllMigrated(bed: Testbed, files: number): Promise<void> {
  assert.equal(await assertBucketMatches(bed, PREFIX, assert.deepEqual), files);
  const totals = (await readLedger(bed)).totals();
  assert.deepEqual(
    { migrated: totals.migrated, failed: totals.failed, pending: totals.pending },
    { migrated: files, failed: 0, pending: 0 },
  );
  await assertNoSecrets(bed, assert.ok);
}

test('429 with Retry-After, 500s and connections cut mid-body are survived', async (t) => {
  const bed = await startTestbed({
    faults: {
      random429Rate: 0.1,
      retryAfterSeconds: 1,
      random500Rate: 0.1,
      cutProbability: 0.3,
      seed: 3,
    },
  });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, {
    small: 25,
    medium: 2,
    large: [9 * MiB + 99],
    seed: 5,
  });

  const results = await chunksUntilDone(bed, 6);
  const stats = bed.dropbox.stats();
  t.diagnostic(
    `${String(results.length)} chunks; 429s ${String(stats.rateLimited)}, 500s ` +
      `${String(stats.serverErrors)}, cuts ${String(stats.cuts)}, requests ${String(stats.totalRequests)}`,
  );
  assert.ok(stats.rateLimited > 0, 'some requests were answered 429');
  assert.ok(stats.serverErrors > 0, 'some requests were answered 500');
  assert.ok(stats.cuts > 0, 'some downloads were cut mid-body');
  // Cut downloads resume with Range instead of starting over: far fewer bytes than twice the data.
  const total = results.reduce((sum, result) => sum + result.chunk.bytes, 0);
  assert.ok(
    stats.bytesServed < 2 * total,
    `served ${String(stats.bytesServed)} for ${String(total)}`,
  );
  await assertAllMigrated(bed, paths.length);
});

test('a burst of 429s from 32 transfers at once slows the chunk down, never stops it', async (t) => {
  // A budget far below what 32 workers ask for, even on a loaded machine: the first wave alone
  // meets more 429s than the circuit breaker's threshold.
  const bed = await startTestbed({ faults: { rateLimitPerSecond: 4, rateLimitBurst: 8 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 40, seed: 41 });

  const results = await chunksUntilDone(bed, 3, { concurrency: '32' });
  const stats = bed.dropbox.stats();
  t.diagnostic(`${String(results.length)} chunks; 429s ${String(stats.rateLimited)}`);
  // More 429s than the circuit breaker's threshold, yet no chunk took Dropbox for down.
  assert.ok(stats.rateLimited > CIRCUIT_BREAKER_THRESHOLD, `${String(stats.rateLimited)} 429s`);
  await assertAllMigrated(bed, paths.length);
});

test('Dropbox access tokens expiring mid-run are refreshed, not fatal', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 20 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 60, medium: 2, large: [9 * MiB], seed: 9 });

  const downloads = (): number => bed.dropbox.stats().requests['files/download'] ?? 0;
  const first = bed.chunk(FLAGS);
  let settled = false;
  void first.finally(() => {
    settled = true;
  });
  for (const after of [5, 25]) {
    await waitFor(() => downloads() >= after || settled, `${String(after)} downloads`);
    bed.dropbox.expireAccessTokens();
  }
  const firstResult = await first;
  assert.equal(firstResult.fatal, undefined, firstResult.fatal?.message);
  if (!firstResult.done) await chunksUntilDone(bed, 4);

  const stats = bed.dropbox.stats();
  t.diagnostic(
    `401s ${String(stats.unauthorized)}, refreshes ${String(stats.tokenRefreshes)}, ` +
      `downloads ${String(downloads())}`,
  );
  assert.ok(stats.unauthorized > 0, 'some requests were refused with an expired token');
  assert.ok(stats.tokenRefreshes > 1, 'the token was refreshed after it expired');
  // The first token, then one refresh per expiry shared by every worker in flight (no stampede).
  assert.ok(stats.tokenRefreshes <= 3, `${String(stats.tokenRefreshes)} refreshes for 2 expiries`);
  await assertAllMigrated(bed, paths.length);
});

test('access tokens that live one second are refreshed as they run out', async (t) => {
  // The SDK refreshes a token five minutes before it expires, so with a lifetime this short every
  // request goes out with a freshly refreshed token; concurrent downloads share one refresh.
  const bed = await startTestbed({ tokenTtlSeconds: 1, faults: { latencyMs: 60 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 40, seed: 13 });

  const started = Date.now();
  await chunksUntilDone(bed, 3);
  const stats = bed.dropbox.stats();
  t.diagnostic(
    `ran ${String(Date.now() - started)} ms; 401s ${String(stats.unauthorized)}, ` +
      `refreshes ${String(stats.tokenRefreshes)}`,
  );
  assert.ok(stats.tokenRefreshes > 1, 'more than one access token was needed');
  await assertAllMigrated(bed, paths.length);
});

test('a lost answer to CompleteMultipartUpload does not fail a file S3 stored whole', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 3, large: [9 * MiB + 1], seed: 43 });
  const config = bed.config(FLAGS);
  const inner = new S3Target(config.s3, bed.s3.client());
  let lost = 0;
  // The Complete works, but its answer never arrives (a reset connection): the retry then finds
  // no such upload, as it would on S3.
  const target = delegatingTarget(inner, {
    completeMultipart: async (key, uploadId, parts) => {
      await inner.completeMultipart(key, uploadId, parts);
      if (lost > 0) return;
      lost += 1;
      throw retryable('network', `completing the upload of ${key}: the connection was reset`);
    },
  });

  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target,
  });
  assert.equal(lost, 1);
  assert.equal(result.done, true);
  assert.equal(result.chunk.failed, 0);
  await assertAllMigrated(bed, paths.length);
});
