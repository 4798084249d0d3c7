// What a transfer does with a damaged download (src/engine/download.ts, transfer.ts, export.ts),
// through the in-memory Source and Target: a cut connection is resumed from the byte it reached,
// and bytes that do not hash to the source's content hash are never stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SILENT } from '../../src/engine/progress.ts';
import { deterministicBytes } from '../emulators/s3/data.ts';
import { engineBed } from '../support/engine.ts';
import { corrupt, cut } from '../support/faults.ts';

test('a download cut part-way carries on from the byte it reached; nothing is fetched twice', async (t) => {
  const data = deterministicBytes(300_000, 'cut');
  const bed = await engineBed(t, { files: { '/data.bin': data } });
  bed.source.inject({ on: 'open', times: 2, fault: cut(100_000) });

  const result = await bed.chunk();

  assert.equal(result.chunk.migrated, 1);
  assert.ok(bed.target.object('data.bin')?.body.equals(data));
  assert.deepEqual(
    bed.source.callsTo('open').map((call) => call.detail),
    [0, 100_000, 200_000],
  );
  assert.equal((await bed.ledger()).atPath('/data.bin')?.attempts, 0, 'a cut is not a failed try');
});

test('corrupt bytes are never stored: the transfer fails its hash check and the file is tried again', async (t) => {
  const bed = await engineBed(t, { files: { '/photo.jpg': deterministicBytes(50_000, 'photo') } });
  bed.source.inject({ on: 'open', times: 1, fault: corrupt(12_345) });
  const outcomes: string[] = [];

  const result = await bed.chunk(
    { transfer: { concurrency: { fixed: 1, max: 1 } } },
    { progress: { ...SILENT, finished: (outcome) => outcomes.push(outcome) } },
  );

  assert.equal(result.chunk.migrated, 1);
  assert.deepEqual(outcomes, ['retry', 'migrated']);
  assert.ok(bed.target.object('photo.jpg')?.body.equals(bed.source.bytes('/photo.jpg')));
  assert.equal(bed.target.callsTo('put').length, 1, 'only the verified bytes were sent to S3');
  assert.equal(bed.source.callsTo('open').length, 2, 'downloaded again after the mismatch');
  const record = (await bed.ledger()).atPath('/photo.jpg');
  assert.equal(record?.status, 'migrated');
});

test('a corrupt export is refused the same way; the document is stored as its verified export', async (t) => {
  const bed = await engineBed(t, { files: { '/Plan.paper': '# Plan\n\nShip it.\n' } });
  bed.source.inject({ on: 'exportDocument', times: 1, fault: corrupt() });

  const result = await bed.chunk();

  assert.deepEqual([result.chunk.migrated, result.chunk.exports], [1, 1]);
  const stored = bed.target.object('Plan.paper.md');
  assert.equal(stored?.body.toString(), '[exported as markdown]\n# Plan\n\nShip it.\n');
  assert.equal(stored.metadata?.exportFormat, 'markdown');
  assert.equal(bed.target.callsTo('put').length, 1);
});
