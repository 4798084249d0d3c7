// The time budget of a chunk (--max-duration, --grace, a stop signal), through the in-memory
// Source and Target on a clock that jumps over every wait: nothing starts after the deadline,
// what is in flight finishes within the grace period or is cut off cleanly, and a large file
// stops at a part boundary and carries on in the next chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SILENT } from '../../src/engine/progress.ts';
import { deterministicBytes } from '../emulators/s3/data.ts';
import { engineBed } from '../support/engine.ts';
import { delay } from '../support/faults.ts';

const MiB = 1024 * 1024;

function smallFiles(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `/f${String(i).padStart(2, '0')}.txt`,
      `file ${String(i)}`,
    ]),
  );
}

test('nothing starts after the deadline; files in flight finish within the grace period', async (t) => {
  const bed = await engineBed(t, { files: smallFiles(10) });
  // Each download takes a second; two at a time; the deadline comes half-way through the third pair.
  bed.source.inject({ on: 'open', fault: delay(1000) });
  const start = bed.clock.now();

  const result = await bed.chunk({
    transfer: { concurrency: { fixed: 2, max: 2 } },
    budget: { maxDurationMs: 2500, graceMs: 5000 },
  });

  assert.equal(result.chunk.stoppedBy, 'deadline');
  assert.equal(result.chunk.migrated, 6);
  assert.equal(result.chunk.failed, 0);
  assert.equal(result.total.pending, 4);
  const opens = bed.source.callsTo('open');
  for (const call of opens) {
    assert.ok(
      call.at <= start + 2500,
      `${call.path ?? ''} started ${String(call.at - start)} ms in`,
    );
  }
  const started = opens.map((call) => (call.path ?? '').slice(1)).sort();
  assert.deepEqual(
    bed.target.keys().filter((key) => !key.startsWith('_')),
    started,
  );
  const ledger = await bed.ledger();
  const migrated = [...ledger.records()].filter((r) => r.status === 'migrated');
  assert.deepEqual(migrated.map((r) => r.key).sort(), started, 'every file started was finished');
  assert.equal(ledger.chunks.at(-1)?.stoppedBy, 'deadline');
});

test('a file still in flight when the grace period ends is cut off: it stays pending, nothing is stored', async (t) => {
  const bed = await engineBed(t, { files: smallFiles(3) });
  bed.source.inject({ on: 'open', path: '/f00.txt', fault: delay(1000) });
  bed.source.inject({ on: 'open', path: '/f01.txt', fault: delay(60_000) });

  const result = await bed.chunk({
    transfer: { concurrency: { fixed: 2, max: 2 } },
    budget: { maxDurationMs: 500, graceMs: 2000 },
  });

  assert.equal(result.chunk.stoppedBy, 'deadline');
  assert.equal(result.chunk.migrated, 1);
  assert.equal(result.chunk.failed, 0);
  assert.deepEqual(
    bed.target.keys().filter((key) => !key.startsWith('_')),
    ['f00.txt'],
  );
  const cut = (await bed.ledger()).atPath('/f01.txt');
  assert.equal(cut?.status, 'pending');
  assert.equal(cut.attempts, 0, 'being cut off is not a failed attempt');
  assert.equal(cut.failure, undefined);
  assert.equal(bed.source.callsTo('open').length, 2, 'f02 never started');
});

test('a stop signal: nothing new starts, files in flight finish, the ledger is saved', async (t) => {
  const bed = await engineBed(t, { files: smallFiles(10) });
  bed.source.inject({ on: 'open', fault: delay(100) });
  const stop = new AbortController();
  let finished = 0;

  const result = await bed.chunk(
    { transfer: { concurrency: { fixed: 3, max: 3 } } },
    {
      stop: stop.signal,
      progress: {
        ...SILENT,
        finished: () => {
          finished += 1;
          if (finished === 3) stop.abort();
        },
      },
    },
  );

  assert.equal(result.chunk.stoppedBy, 'stopped');
  assert.equal(result.chunk.failed, 0);
  const opens = bed.source.callsTo('open').length;
  assert.equal(result.chunk.migrated, opens, 'every file started was finished');
  assert.ok(opens < 10, `${String(opens)} files started`);
  const ledger = await bed.ledger();
  assert.equal(ledger.totals().migrated, opens);
  assert.equal(ledger.chunks.at(-1)?.stoppedBy, 'stopped');
});

test('a large file stops at a part boundary at the deadline, and the next chunk resumes it there', async (t) => {
  // A 251-byte pattern (a prime): no two parts hold the same bytes, and it costs only a copy.
  const data = Buffer.alloc(16 * MiB + 1000, deterministicBytes(251, 'big'));
  const bed = await engineBed(t, { files: { '/big.bin': data } });
  // 8 MiB parts (8 + 8 + a little): each takes a second to upload; the deadline comes during the first two.
  bed.target.inject({ on: 'uploadPart', fault: delay(1000) });

  const first = await bed.chunk({
    transfer: { partSizeBytes: 8 * MiB },
    budget: { maxDurationMs: 500, graceMs: 5000 },
  });

  assert.equal(first.chunk.stoppedBy, 'deadline');
  assert.equal(first.chunk.checkpointed, 1);
  assert.equal(first.chunk.migrated, 0);
  assert.equal(bed.target.object('big.bin'), undefined, 'no object before the last part');
  const checkpoint = (await bed.ledger()).atPath('/big.bin')?.checkpoint;
  assert.equal(checkpoint?.offset, 16 * MiB);
  assert.equal(checkpoint.etags.length, 2);
  assert.deepEqual(
    bed.target.openUploads().map((upload) => [upload.uploadId, upload.parts]),
    [[checkpoint.uploadId, [1, 2]]],
  );

  bed.target.clearFaults();
  const opensBefore = bed.source.callsTo('open').length;
  const partsBefore = bed.target.callsTo('uploadPart').length;
  const second = await bed.chunk({ transfer: { partSizeBytes: 8 * MiB } });

  assert.equal(second.chunk.migrated, 1);
  assert.equal(second.done, true);
  assert.ok(bed.target.object('big.bin')?.body.equals(data), 'the whole file, byte for byte');
  assert.deepEqual(bed.target.openUploads(), []);
  const resumed = bed.source.callsTo('open').slice(opensBefore);
  assert.deepEqual(
    resumed.map((call) => call.detail),
    [16 * MiB],
    'the download carried on from the checkpoint',
  );
  const parts = bed.target.callsTo('uploadPart').slice(partsBefore);
  assert.deepEqual(
    parts.map((call) => call.detail),
    [3],
    'only the last part was uploaded',
  );
});
