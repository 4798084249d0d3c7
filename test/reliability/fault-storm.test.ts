import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertBucketMatches,
  assertNoSecrets,
  chunksUntilDone,
  copiedAgain,
  makeAccount,
  MiB,
  readLedger,
  writesPerKey,
  type AccountShape,
} from '../support/reliability.ts';
import { byProfile, PROFILE, reportFigures } from '../support/profile.ts';
import { startTestbed } from '../support/testbed.ts';
import type { DropboxEmulatorOptions, EmulatorStats } from '../emulators/dropbox/index.ts';

const PREFIX = 'backup';
const FLAGS = { prefix: PREFIX, 'part-size': '8MiB' };

const ACCOUNT: AccountShape = byProfile(
  { small: 140, smallMax: 128 * 1024, medium: 4, large: [9 * MiB + 99], seed: 17 },
  {
    small: 2900,
    smallMax: 64 * 1024,
    medium: 96,
    large: [9 * MiB + 5, 12 * MiB, 17 * MiB + 123, 33 * MiB + 1],
    seed: 17,
  },
);
const FAULT_SEED = Number(process.env.FAULT_SEED ?? 5);
/** 5% 429 (Retry-After 1 s), 2% 500, 2% of bodies cut mid-way, access tokens living 3 s. */
const STORM: Partial<DropboxEmulatorOptions> = {
  tokenTtlSeconds: 3,
  faults: {
    random429Rate: 0.05,
    retryAfterSeconds: 1,
    random500Rate: 0.02,
    cutProbability: 0.02,
    seed: FAULT_SEED,
  },
};

interface Run {
  files: number;
  chunks: number;
  ms: number;
  stats: EmulatorStats;
  again: { keys: number; extra: number };
}

/** Migrates the account to done in one testbed and checks every object against its source. */
async function migrateAll(options: Partial<DropboxEmulatorOptions>): Promise<Run> {
  const bed = await startTestbed(options);
  try {
    const paths = await makeAccount(bed.root, ACCOUNT);
    bed.dropbox.resetStats();
    const started = Date.now();
    const results = await chunksUntilDone(bed, FLAGS, 6, assert.ok);
    const ms = Date.now() - started;
    assert.equal(await assertBucketMatches(bed, PREFIX, assert.deepEqual), paths.length);
    const totals = (await readLedger(bed)).totals();
    assert.deepEqual(
      { migrated: totals.migrated, failed: totals.failed, pending: totals.pending },
      { migrated: paths.length, failed: 0, pending: 0 },
    );
    await assertNoSecrets(bed, assert.ok);
    return {
      files: paths.length,
      chunks: results.length,
      ms,
      stats: bed.dropbox.stats(),
      again: copiedAgain(await writesPerKey(bed, `${PREFIX}/`)),
    };
  } finally {
    await bed.close();
  }
}

test(`fault storm (${PROFILE} profile): 5% 429, 2% 500, 2% cut bodies, 3 s tokens — nothing lost or corrupt`, async (t) => {
  const calm = await migrateAll({});
  const storm = await migrateAll(STORM);

  const { stats } = storm;
  assert.ok(stats.rateLimited > 0, 'some requests were answered 429');
  assert.ok(stats.serverErrors > 0, 'some requests were answered 500');
  assert.ok(stats.cuts > 0, 'some downloads were cut mid-body');
  assert.ok(stats.tokenRefreshes > 1, 'access tokens ran out and were refreshed');

  const downloads = (run: Run): number => run.stats.requests['files/download'] ?? 0;
  await reportFigures(t, 'fault-storm', `Fault storm (${PROFILE} profile)`, {
    files: storm.files,
    'missing objects': 0,
    'corrupt objects': 0,
    '429 answers': stats.rateLimited,
    '500 answers': stats.serverErrors,
    'bodies cut mid-way': stats.cuts,
    '401 answers (expired token)': stats.unauthorized,
    'token refreshes': stats.tokenRefreshes,
    'download requests (calm → storm)': `${String(downloads(calm))} → ${String(downloads(storm))}`,
    'retried downloads': downloads(storm) - storm.files,
    'all Dropbox requests (calm → storm)': `${String(calm.stats.totalRequests)} → ${String(stats.totalRequests)}`,
    'bytes served (calm → storm, MiB)': `${(calm.stats.bytesServed / MiB).toFixed(1)} → ${(stats.bytesServed / MiB).toFixed(1)}`,
    'files copied twice or more': storm.again.keys,
    'chunks (calm → storm)': `${String(calm.chunks)} → ${String(storm.chunks)}`,
    'time (calm → storm, s)': `${(calm.ms / 1000).toFixed(1)} → ${(storm.ms / 1000).toFixed(1)}`,
    'time overhead': `${(((storm.ms - calm.ms) / calm.ms) * 100).toFixed(0)}%`,
    seed: `FAULT_SEED=${String(FAULT_SEED)}`,
  });
});
