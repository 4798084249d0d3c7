import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk } from '../../src/engine/chunk.ts';
import type { Source, SourceFile } from '../../src/engine/source.ts';
import type { Target } from '../../src/engine/target.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  assertBucketMatches,
  assertNoSecrets,
  delegatingTarget,
  listKeys,
  makeAccount,
  MiB,
  migrateArgs,
  parseChunkLine,
  readLedger,
  startCli,
  waitFor,
} from '../support/reliability.ts';
import { startTestbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const PREFIX = 'backup';

/** The Dropbox source, noting when each file's download was first asked for. */
function recordingSource(inner: Source, started: Map<string, number>): Source {
  return {
    contentHash: inner.contentHash,
    list: (path, recursive) => inner.list(path, recursive),
    listContinue: (cursor) => inner.listContinue(cursor),
    latestCursor: (path, recursive) => inner.latestCursor(path, recursive),
    open: (file: SourceFile, offset, signal) => {
      if (!started.has(file.pathLower)) started.set(file.pathLower, Date.now());
      return inner.open(file, offset, signal);
    },
    exportDocument: (file, format, signal) => inner.exportDocument(file, format, signal),
  };
}

test('--max-duration: nothing starts after the deadline, files in flight finish', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 250 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 40, seed: 31 });
  const maxDurationMs = 3000;
  const config = bed.config({ prefix: PREFIX, 'max-duration': '3s', concurrency: '2' });
  const started = new Map<string, number>();

  const result = await runChunk(engineSettings(config), {
    source: recordingSource(new DropboxSource(config.dropbox), started),
    target: new S3Target(config.s3, bed.s3.client()),
  });

  assert.equal(result.fatal, undefined);
  assert.equal(result.chunk.stoppedBy, 'deadline');
  assert.equal(result.done, false);
  assert.equal(result.chunk.failed, 0);
  assert.ok(result.chunk.migrated > 0, 'some files moved before the deadline');
  assert.equal(result.total.pending, paths.length - result.chunk.migrated);

  const ledger = await readLedger(bed);
  const summary = ledger.chunks.at(-1);
  assert.equal(summary?.stoppedBy, 'deadline');
  const deadline = Date.parse(summary.startedAt) + maxDurationMs;
  // A start is seen at the download request, a few microtasks after the scheduler decided; the
  // margin covers that (and a GC pause), far below the 250 ms a later start would have to wait.
  const margin = 100;
  for (const [path, at] of started) {
    assert.ok(
      at <= deadline + margin,
      `${path} started ${String(at - deadline)} ms after the deadline`,
    );
  }
  // Every file that was started was finished within the grace period, none was abandoned.
  const migrated = [...ledger.records()].filter((r) => r.status === 'migrated');
  assert.deepEqual(
    migrated.map((r) => r.pathLower).sort(),
    [...started.keys()].sort(),
    'the files started are exactly the files migrated',
  );
  assert.equal((await listKeys(bed.s3.client(), bed.s3.bucket)).length, migrated.length);
});

test('SIGINT: files in flight finish, the ledger is saved, exit 0 with the JSON line', async (t) => {
  const bed = await startTestbed({ faults: { latencyMs: 100 } });
  t.after(() => bed.close());
  const paths = await makeAccount(bed.root, { small: 60, medium: 4, seed: 32 });
  const args = migrateArgs(bed, { prefix: PREFIX, 'max-duration': '10m', json: true });
  const downloads = (): number => bed.dropbox.stats().requests['files/download'] ?? 0;

  const run = startCli(bed, args);
  await waitFor(() => downloads() >= 10 || run.child.exitCode !== null, '10 downloads');
  run.child.kill('SIGINT');
  const { code, stdout, stderr } = await run.exited;

  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGINT: finishing files in flight, then saving the ledger/);
  const line = parseChunkLine(stdout);
  assert.equal(line.done, false);
  assert.equal(line.chunk.failed, 0);
  assert.ok(line.chunk.migrated >= 10, 'the files in flight when the signal came were finished');
  // Each file was asked for once and every one asked for was finished: nothing was abandoned.
  assert.equal(downloads(), line.chunk.migrated);
  assert.equal(line.total.migrated, line.chunk.migrated);
  assert.equal(line.total.pending, paths.length - line.chunk.migrated);
  assert.equal((await listKeys(bed.s3.client(), bed.s3.bucket)).length, line.chunk.migrated);

  const ledger = await readLedger(bed);
  assert.equal(ledger.chunks.at(-1)?.stoppedBy, 'stopped');
  assert.deepEqual(
    { migrated: ledger.totals().migrated, pending: ledger.totals().pending },
    { migrated: line.total.migrated, pending: line.total.pending },
  );

  const next = await startCli(bed, args).exited;
  assert.equal(next.code, 0, next.stderr);
  assert.equal(parseChunkLine(next.stdout).done, true);
  await assertBucketMatches(bed, PREFIX, assert.deepEqual);
  await assertNoSecrets(bed, assert.ok, stdout, stderr, next.stdout, next.stderr);
});

/** The S3 target, noting the most body bytes it was handed at once (a floor on bytes in memory). */
function measuringTarget(inner: Target): { target: Target; peak: () => number } {
  let now = 0;
  let peak = 0;
  const holding = async <T>(bytes: number, call: () => Promise<T>): Promise<T> => {
    now += bytes;
    peak = Math.max(peak, now);
    try {
      return await call();
    } finally {
      now -= bytes;
    }
  };
  const target = delegatingTarget(inner, {
    put: (key, body, metadata, signal) =>
      holding(body.length, () => inner.put(key, body, metadata, signal)),
    uploadPart: (key, uploadId, partNumber, body, signal) =>
      holding(body.length, () => inner.uploadPart(key, uploadId, partNumber, body, signal)),
  });
  return { target, peak: () => peak };
}

test('--max-memory of two parts: multipart files still complete, byte-identical', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await makeAccount(bed.root, {
    small: 20,
    medium: 3,
    large: [25 * MiB + 7, 17 * MiB],
    seed: 33,
  });
  // Four transfers at once, two of them multipart, with room for two parts: each upload must
  // wait for memory another holds, and none may wait forever.
  const config = bed.config({
    prefix: PREFIX,
    'part-size': '8MiB',
    'max-memory': '16MiB',
    concurrency: '4',
  });
  const measured = measuringTarget(new S3Target(config.s3, bed.s3.client()));
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target: measured.target,
  });

  assert.equal(result.fatal, undefined);
  assert.equal(result.done, true);
  assert.equal(result.chunk.failed, 0);
  t.diagnostic(`most bytes handed to S3 at once: ${String(measured.peak())}`);
  assert.ok(measured.peak() <= 16 * MiB, `${String(measured.peak())} bytes in flight at once`);
  await assertBucketMatches(bed, PREFIX, assert.deepEqual);
});
