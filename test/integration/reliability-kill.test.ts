import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertBucketMatches,
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
  type CliRun,
} from '../support/reliability.ts';
import { RESERVED_PREFIX } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const PREFIX = 'backup';

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
      if (seen.get(key) === version || key.startsWith(RESERVED_PREFIX)) continue;
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

async function killed(run: CliRun): Promise<string> {
  run.child.kill('SIGKILL');
  const { code, signal } = await run.exited;
  // The chunk may have finished just before the kill; either way nothing may be lost.
  assert.ok(signal === 'SIGKILL' || code === 0, `exit ${String(code)} ${String(signal)}`);
  return signal === 'SIGKILL' ? 'killed' : 'finished first';
}

test('SIGKILL at random moments loses and corrupts nothing', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 2 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, {
    small: 292,
    smallMax: 64 * 1024,
    medium: 5,
    large: [9 * MiB + 5, 12 * MiB, 17 * MiB + 123],
    seed: 11,
  });
  assert.equal(paths.length, 300);
  const args = migrateArgs(bed, {
    prefix: PREFIX,
    'part-size': '8MiB',
    'max-duration': '2m',
    json: true,
  });
  const client = bed.s3.client();
  // A new seed each run explores new moments; KILL_SEED=<n> repeats one (it is printed).
  const seed = Number(process.env.KILL_SEED ?? Date.now() % 100_000);
  t.diagnostic(`KILL_SEED=${String(seed)}`);
  const random = seeded(seed);
  const outcomes: string[] = [];
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
  // ledger appends while work is always left for the next run.
  for (let i = 0; i < 5; i += 1) {
    const downloads = bed.dropbox.stats().requests['files/download'] ?? 0;
    const run = startCli(bed, args);
    if (i === 0) {
      await new Promise((resolve) => setTimeout(resolve, random() * 1500));
    } else {
      const more = 1 + Math.floor(random() * 25);
      await waitFor(
        () =>
          (bed.dropbox.stats().requests['files/download'] ?? 0) >= downloads + more ||
          run.child.exitCode !== null,
        `${String(more)} more downloads`,
      );
      await new Promise((resolve) => setTimeout(resolve, random() * 300));
    }
    outcomes.push(await killed(run));
    await assertVisibleObjectsCorrect(bed, checked);
  }
  t.diagnostic(`kills: ${outcomes.join(', ')}`);
  assert.ok(outcomes.filter((o) => o === 'killed').length >= 6, 'the runs were really killed');

  let line = { done: false } as ReturnType<typeof parseChunkLine>;
  for (let chunk = 0; !line.done; chunk += 1) {
    assert.ok(chunk < 5, 'too many chunks after the kills');
    const { code, stdout, stderr } = await startCli(bed, args).exited;
    assert.equal(code, 0, stderr);
    line = parseChunkLine(stdout);
  }
  assert.equal(line.total.migrated, 300);
  assert.equal(line.total.failed, 0);
  assert.equal(line.total.pending, 0);

  assert.equal(await assertBucketMatches(bed, PREFIX, assert.deepEqual), 300);
  const totals = (await readLedger(bed)).totals();
  assert.equal(totals.migrated, 300);
  assert.equal(totals.pending, 0);
  assert.equal(totals.failed, 0);
});
