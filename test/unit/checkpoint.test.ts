import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256_BLOCKS, type ContentHasher } from '../../src/engine/content-hash.ts';
import { PartLog, saveCheckpoint } from '../../src/engine/checkpoint.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { UploadCheckpoint } from '../../src/ledger/records.ts';
import { SETTINGS, fileRecord } from '../support/records.ts';
import { sourceFile } from '../support/source-files.ts';

const BLOCK = SHA256_BLOCKS.blockSize;
const PART = 2 * BLOCK;

/** A hasher that has seen `blocks` whole blocks (digests are made up: only their order matters). */
function hasherWith(blocks: number): ContentHasher {
  return SHA256_BLOCKS.resume(
    Array.from({ length: blocks }, (_, i) => String(i).padStart(64, '0')),
  );
}

test('a part log saves when the run of parts from part 1 grows, once per part at most', () => {
  const saved: UploadCheckpoint[] = [];
  const log = new PartLog({
    file: sourceFile('/big.bin', { size: 4 * PART + 10 }),
    key: 'k',
    uploadId: 'u',
    partSize: PART,
    hasher: hasherWith(8),
    blockSize: BLOCK,
    resumed: undefined,
    save: (checkpoint) => saved.push(checkpoint),
  });
  log.done(2, 'e2');
  assert.equal(saved.length, 0, 'part 1 is still missing');
  log.done(1, 'e1');
  assert.equal(saved.length, 1);
  const [first] = saved;
  assert.ok(first !== undefined);
  assert.deepEqual(first.etags, ['e1', 'e2']);
  assert.equal(first.offset, 2 * PART);
  assert.equal(first.blockDigests.length, 4, 'digests of exactly those bytes');
  log.done(3, 'e3');
  log.done(4, 'e4');
  assert.equal(saved.length, 3);
  log.done(5, 'e5');
  assert.equal(saved.length, 3, 'the last part is recorded by the Complete, not a checkpoint');
  assert.equal(log.savedParts, 4);
});

test('the ledger journals only the parts added to a checkpoint, and replays them once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'checkpoint-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const record = fileRecord(1, { size: 10 * PART });
  const checkpoint = (parts: number, uploadId = 'u'): UploadCheckpoint => ({
    uploadId,
    key: record.key,
    rev: record.rev,
    partSize: PART,
    offset: parts * PART,
    etags: Array.from({ length: parts }, (_, i) => `e${String(i + 1)}`),
    blockDigests: Array.from({ length: 2 * parts }, (_, i) => `d${String(i)}`),
  });

  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(record);
  for (let parts = 1; parts <= 4; parts += 1) saveCheckpoint(ledger, record, checkpoint(parts));
  assert.deepEqual(ledger.get(record.id)?.checkpoint, checkpoint(4));
  const lines = (await readFile(join(dir, 'journal.jsonl'), 'utf8')).trim().split('\n');
  const last = JSON.parse(lines.at(-1) ?? '{}') as { t: string; etags: string[] };
  assert.equal(last.t, 'parts');
  assert.deepEqual(last.etags, ['e4'], 'one part a line');
  // The same parts written again (a replay) change nothing.
  ledger.addParts({ id: record.id, uploadId: 'u', from: 4, etags: ['x'], blockDigests: [] });
  // A new upload replaces the checkpoint whole.
  saveCheckpoint(ledger, record, checkpoint(1, 'v'));
  await ledger.close();

  const reopened = await Ledger.open(dir, SETTINGS);
  assert.deepEqual(reopened.get(record.id)?.checkpoint, checkpoint(1, 'v'));
  await reopened.checkpoint();
  await reopened.close();
  const again = await Ledger.open(dir, SETTINGS);
  assert.deepEqual(again.get(record.id)?.checkpoint, checkpoint(1, 'v'));
  await again.close();
});

test('parts of one checkpoint survive a reopen from the journal', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'checkpoint-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const record = fileRecord(2, { size: 10 * PART });
  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(record);
  const base: UploadCheckpoint = {
    uploadId: 'u',
    key: record.key,
    rev: record.rev,
    partSize: PART,
    offset: PART,
    etags: ['e1'],
    blockDigests: ['d0', 'd1'],
  };
  saveCheckpoint(ledger, record, base);
  saveCheckpoint(ledger, record, {
    ...base,
    offset: 3 * PART,
    etags: ['e1', 'e2', 'e3'],
    blockDigests: ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'],
  });
  await ledger.close();
  const reopened = await Ledger.open(dir, SETTINGS);
  const checkpoint = reopened.get(record.id)?.checkpoint;
  assert.equal(checkpoint?.offset, 3 * PART);
  assert.deepEqual(checkpoint.etags, ['e1', 'e2', 'e3']);
  assert.equal(checkpoint.blockDigests.length, 6);
  await reopened.close();
});
