import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk } from '../../src/engine/chunk.ts';
import { SILENT } from '../../src/engine/progress.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  assertNoSecrets,
  listKeys,
  makeAccount,
  migrateArgs,
  parseChunkLine,
  readLedger,
  startCli,
  waitFor,
} from '../support/reliability.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const PREFIX = 'backup';
// Test settings, not product defaults: 16 transfers at once reach the breaker's 20 failures in a
// row in about two rounds of the engine's retries, and a 1 s grace ends the retries still in
// flight sooner (they cannot succeed with S3 gone).
const FAST_FAIL = { grace: '1s', concurrency: '16' } as const;

function killS3(bed: Testbed): void {
  process.kill(bed.s3.pid, 'SIGKILL');
}

/** What the ledger says after the chunk: the files not migrated are all still pending. */
async function assertLedgerKept(bed: Testbed, files: number, migrated: number): Promise<void> {
  const ledger = await readLedger(bed);
  const totals = ledger.totals();
  assert.equal(totals.migrated, migrated);
  assert.equal(totals.failed, 0, 'no file is blamed for the outage');
  assert.equal(totals.pending, files - migrated);
  for (const record of ledger.records()) {
    if (record.status !== 'pending') continue;
    assert.equal(record.attempts, 0, `${record.path}: the outage does not use up its attempts`);
  }
  assert.equal(ledger.chunks.at(-1)?.stoppedBy, 'fatal', 'the chunk summary was saved');
  const why = ledger.chunks.at(-1)?.fatal;
  assert.ok(why !== undefined && why.message !== '', 'the chunk summary says why, for the issue');
  assert.equal(why.failureClass, 'service_down');
}

test('the circuit breaker stops a chunk when S3 goes down, and keeps the ledger', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 5 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 150, seed: 21 });

  const config = bed.config({ prefix: PREFIX, ...FAST_FAIL });
  // One SDK attempt per request (the product keeps the SDK's default of 3) so the test does not
  // wait out the SDK's backoff on every refused connection; the engine's own retries still run.
  const client = new S3Client({ ...bed.s3.clientConfig(), maxAttempts: 1 });
  t.after(() => {
    client.destroy();
  });
  let migrated = 0;
  let killedAt = 0;
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target: new S3Target(config.s3, client),
    progress: {
      ...SILENT,
      finished: (outcome) => {
        if (outcome !== 'migrated') return;
        migrated += 1;
        if (migrated !== 20) return;
        killS3(bed);
        killedAt = Date.now();
      },
    },
  });

  t.diagnostic(`the chunk stopped ${String(Date.now() - killedAt)} ms after S3 went down`);
  assert.equal(result.fatal?.kind, 'fatal');
  assert.equal(result.fatal.failureClass, 'service_down');
  assert.match(result.fatal.message, /S3/);
  assert.equal(result.chunk.stoppedBy, 'fatal');
  assert.equal(result.done, false);
  assert.equal(result.chunk.failed, 0);
  assert.ok(result.chunk.migrated >= 20 && result.chunk.migrated < paths.length);
  await assertLedgerKept(bed, paths.length, result.chunk.migrated);
});

test('the CLI exits 1 naming the problem when S3 goes down mid-chunk', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 5 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 150, seed: 22 });
  const client = bed.s3.client();

  const run = startCli(bed, migrateArgs(bed, { prefix: PREFIX, ...FAST_FAIL, json: true }));
  await waitFor(
    async () => (await listKeys(client, bed.s3.bucket)).length >= 20 || run.child.exitCode !== null,
    '20 objects in S3',
  );
  killS3(bed);
  const killedAt = Date.now();
  const { code, stdout, stderr } = await run.exited;
  t.diagnostic(`the chunk stopped ${String(Date.now() - killedAt)} ms after S3 went down`);

  assert.equal(code, 1, stderr);
  assert.match(stderr, /dropbox-to-s3: stopped: .*S3/);
  const line = parseChunkLine(stdout);
  assert.match(line.error ?? '', /S3/);
  assert.equal(line.done, false);
  assert.equal(line.total.failed, 0);
  assert.equal(line.total.pending, paths.length - line.total.migrated);
  await assertLedgerKept(bed, paths.length, line.total.migrated);
  await assertNoSecrets(bed, assert.ok, stdout, stderr);
});

test('a chunk that cannot reach S3 at its start stops before any work, exit 1', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await makeAccount(bed.root, { small: 5, seed: 23 });
  killS3(bed);

  const { code, stdout, stderr } = await startCli(
    bed,
    migrateArgs(bed, { prefix: PREFIX, json: true }),
  ).exited;

  assert.equal(code, 1, stderr);
  assert.match(stderr, /dropbox-to-s3: stopped: S3 is not answering .*checking the bucket/);
  const line = parseChunkLine(stdout);
  assert.equal(line.done, false);
  assert.equal(line.chunk.migrated, 0);
  assert.equal(bed.dropbox.stats().requests['files/list_folder'] ?? 0, 0, 'nothing was listed');
  assert.equal((await readLedger(bed)).chunks.at(-1)?.stoppedBy, 'fatal');
});
