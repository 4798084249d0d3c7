import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertBucketMatches,
  copiedAgain,
  listUploads,
  makeAccount,
  MiB,
  migrateArgs,
  objectBytes,
  parseChunkLine,
  readLedger,
  seeded,
  sha256,
  startCli,
  waitFor,
  writesPerKey,
  type CliRun,
} from '../support/reliability.ts';
import { DEFAULT_TOOL_PREFIX } from '../support/bucket.ts';
import { byProfile, PROFILE, reportFigures } from '../support/profile.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const PREFIX = 'backup';

/** The kill storm's size: the short profile runs in CI, the full one on demand. */
const STORM = byProfile(
  { small: 292, medium: 5, large: [9 * MiB + 5, 12 * MiB, 17 * MiB + 123], kills: 6, sigints: 1 },
  {
    small: 2900,
    medium: 96,
    large: [9 * MiB + 5, 12 * MiB, 17 * MiB + 123, 33 * MiB + 1],
    kills: 36,
    sigints: 4,
  },
);
const FILES = STORM.small + STORM.medium + STORM.large.length;
/** Most downloads a random kill waits for: a few percent of the account, so work is always left. */
const MOST_DOWNLOADS_BEFORE_KILL = byProfile(25, 80);

/**
 * Every object visible now is whole and correct: a kill may leave files missing, never wrong.
 * Objects already checked are checked again only when S3 says they were written since.
 */
async function assertVisibleObjectsCorrect(bed: Testbed, seen: Map<string, string>): Promise<void> {
  const client = bed.s3.client();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bed.s3.bucket, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      const key = item.Key ?? '';
      const version = `${item.ETag ?? ''} ${String(item.LastModified?.getTime())} ${String(item.Size)}`;
      if (seen.get(key) === version || key.startsWith(DEFAULT_TOOL_PREFIX)) continue;
      assert.ok(key.startsWith(`${PREFIX}/`), `unexpected object ${key}`);
      const source = await readFile(join(bed.root, key.slice(PREFIX.length + 1))).catch(() => {
        throw new Error(`object ${key} is not a source file`);
      });
      assert.equal(sha256(await objectBytes(client, bed.s3.bucket, key)), sha256(source), key);
      seen.set(key, version);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

type Outcome = 'killed' | 'stopped' | 'finished first';

async function killed(run: CliRun): Promise<Outcome> {
  run.child.kill('SIGKILL');
  const { code, signal } = await run.exited;
  // The chunk may have finished just before the kill; either way nothing may be lost.
  assert.ok(signal === 'SIGKILL' || code === 0, `exit ${String(code)} ${String(signal)}`);
  return signal === 'SIGKILL' ? 'killed' : 'finished first';
}

/** Ctrl-C (or GitHub's cancel): the chunk finishes what is in flight and exits 0 with its line. */
async function interrupted(run: CliRun): Promise<Outcome> {
  run.child.kill('SIGINT');
  const { code, signal, stdout, stderr } = await run.exited;
  assert.equal(signal, null, `a SIGINT ended the chunk by signal: ${stderr}`);
  assert.equal(code, 0, stderr);
  const line = parseChunkLine(stdout);
  assert.equal(line.chunk.failed, 0, stderr);
  return /SIGINT: finishing files in flight/.test(stderr) ? 'stopped' : 'finished first';
}

test(`kill storm (${PROFILE} profile): SIGKILL and SIGINT at random moments lose and corrupt nothing`, async (t) => {
  const started = Date.now();
  const bed = await startTestbed({ faults: { latencyMs: 2 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, {
    small: STORM.small,
    smallMax: 64 * 1024,
    medium: STORM.medium,
    large: STORM.large,
    seed: 11,
  });
  assert.equal(paths.length, FILES);
  const args = migrateArgs(bed, {
    prefix: PREFIX,
    'part-size': '8MiB',
    'max-duration': '10m',
    json: true,
  });
  const client = bed.s3.client();
  // A new seed each run explores new moments; KILL_SEED=<n> repeats one (it is printed).
  const seed = Number(process.env.KILL_SEED ?? Date.now() % 100_000);
  t.diagnostic(`KILL_SEED=${String(seed)}`);
  const random = seeded(seed);
  const outcomes: Outcome[] = [];
  const checked = new Map<string, string>();

  // First a kill aimed at the worst moment: a multipart upload is under way. (An upload may
  // complete between the look and the kill; then the next run is aimed again.)
  let orphans: string[] = [];
  for (let aim = 0; aim < 3 && orphans.length === 0; aim += 1) {
    const aimed = startCli(bed, args);
    await waitFor(
      async () =>
        (await listUploads(client, bed.s3.bucket)).length > 0 || aimed.child.exitCode !== null,
      'a multipart upload to start',
    );
    outcomes.push(await killed(aimed));
    orphans = await listUploads(client, bed.s3.bucket);
    await assertVisibleObjectsCorrect(bed, checked);
  }
  assert.ok(orphans.length > 0, 'an aimed kill left an unfinished multipart upload behind');

  // Then kills at random moments: one during start-up, listing or clean-up, the others after a
  // random number of downloads (plus a random few ms), so they land in downloads, PUTs, parts and
  // ledger appends while work is always left for the next run. Some are SIGINTs, spread out.
  const sigintAt = new Set(
    Array.from({ length: STORM.sigints }, (_, i) =>
      Math.floor(((i + 0.5) * STORM.kills) / STORM.sigints),
    ),
  );
  for (let i = 0; i < STORM.kills; i += 1) {
    const downloads = bed.dropbox.stats().requests['files/download'] ?? 0;
    const run = startCli(bed, args);
    if (i === 0) {
      await new Promise((resolve) => setTimeout(resolve, random() * 1500));
    } else {
      const more = 1 + Math.floor(random() * MOST_DOWNLOADS_BEFORE_KILL);
      await waitFor(
        () =>
          (bed.dropbox.stats().requests['files/download'] ?? 0) >= downloads + more ||
          run.child.exitCode !== null,
        `${String(more)} more downloads`,
        120_000,
      );
      await new Promise((resolve) => setTimeout(resolve, random() * 300));
    }
    outcomes.push(sigintAt.has(i) ? await interrupted(run) : await killed(run));
    await assertVisibleObjectsCorrect(bed, checked);
  }
  const count = (outcome: Outcome): number => outcomes.filter((o) => o === outcome).length;
  t.diagnostic(`kills: ${outcomes.join(', ')}`);
  assert.ok(count('killed') >= outcomes.length / 2, 'the runs were really killed');

  let line = { done: false } as ReturnType<typeof parseChunkLine>;
  let chunksAfter = 0;
  while (!line.done) {
    assert.ok(chunksAfter < 5, 'too many chunks after the kills');
    chunksAfter += 1;
    const { code, stdout, stderr } = await startCli(bed, args).exited;
    assert.equal(code, 0, stderr);
    line = parseChunkLine(stdout);
  }
  assert.equal(line.total.migrated, FILES);
  assert.equal(line.total.failed, 0);
  assert.equal(line.total.pending, 0);

  assert.equal(await assertBucketMatches(bed, PREFIX, assert.deepEqual), FILES);
  const totals = (await readLedger(bed)).totals();
  assert.equal(totals.migrated, FILES);
  assert.equal(totals.pending, 0);
  assert.equal(totals.failed, 0);

  const writes = await writesPerKey(bed, `${PREFIX}/`);
  const again = copiedAgain(writes);
  const downloads = bed.dropbox.stats().requests['files/download'] ?? 0;
  await reportFigures(t, 'kill-storm', `Kill storm (${PROFILE} profile)`, {
    files: FILES,
    'bytes (MiB)': (line.total.bytes / MiB).toFixed(1),
    'runs killed with SIGKILL': count('killed'),
    'runs stopped with SIGINT': count('stopped'),
    'runs that finished before the signal': count('finished first'),
    'chunks after the storm until done': chunksAfter,
    'missing objects': 0,
    'corrupt objects': 0,
    'files copied twice or more (keys written more than once)': again.keys,
    'extra writes (PUT or Complete beyond the first per key)': again.extra,
    'download requests / files': `${String(downloads)} / ${String(FILES)}`,
    'wall time (s)': ((Date.now() - started) / 1000).toFixed(1),
    seed: `KILL_SEED=${String(seed)}`,
  });
});
