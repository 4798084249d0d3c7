import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerView } from '../../src/ledger/ledger.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import {
  bytesFor,
  listKeys,
  migrateAll,
  objectBytes,
  runCli,
  sha,
  sortedKeys,
  writeTree,
} from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const LIST = 'files/list_folder';
const CONTINUE = 'files/list_folder/continue';
const DOWNLOAD = 'files/download';

async function ledgerOf(bed: Testbed): Promise<LedgerView> {
  const view = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  assert.ok(view, 'the ledger exists');
  return view;
}

function byPath(view: LedgerView): Map<string, FileRecord> {
  return new Map([...view.records()].map((record) => [record.path, record]));
}

async function assertObject(bed: Testbed, key: string, data: Uint8Array): Promise<void> {
  assert.equal(sha(await objectBytes(bed, key)), sha(data), key);
}

/** A small account: a few folders, files of distinct bytes. */
function account(): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const path of [
    'Docs/report.txt',
    'Docs/notes.md',
    'Photos/Summer/IMG_1.jpg',
    'Photos/Summer/IMG_2.jpg',
    'Old/move-me.txt',
    'Trip/day1.txt',
    'Trip/day2.txt',
    'gone.txt',
    'Scrap/one.txt',
    'Scrap/Deeper/two.txt',
  ]) {
    files[path] = bytesFor(path, 300 + path.length);
  }
  return files;
}

test('changes through the cursor: changed, moved, new and deleted files, at O(changes) listing cost', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files = account();
  await writeTree(bed.root, files);

  const first = await migrateAll(bed, { prefix: 'backup' });
  const [only] = first;
  assert.ok(only !== undefined && first.length === 1);
  assert.equal(only.chunk.migrated, 10);
  assert.equal(only.inventory?.fullListing, true);

  // Changes made between chunks.
  const changed = bytesFor('Docs/report.txt v2', 555);
  await writeFile(join(bed.root, 'Docs/report.txt'), changed);
  await rename(join(bed.root, 'Old/move-me.txt'), join(bed.root, 'Docs/moved.txt'));
  await rename(join(bed.root, 'Trip'), join(bed.root, 'Trip 2024'));
  const added = bytesFor('New/new.txt', 123);
  await writeTree(bed.root, { 'New/new.txt': added });
  await rm(join(bed.root, 'gone.txt'));
  await rm(join(bed.root, 'Scrap'), { recursive: true });

  bed.dropbox.resetStats();
  const second = await bed.chunk({ prefix: 'backup' });
  const stats = bed.dropbox.stats();
  assert.equal(second.fatal, undefined);
  assert.equal(second.done, true);
  assert.equal(second.inventory?.fullListing, false);
  assert.equal(second.inventory.fellBackToFolders, false);
  assert.equal(stats.requests[LIST] ?? 0, 0, 'no new listing');
  assert.ok(
    (stats.requests[CONTINUE] ?? 0) <= 3,
    `continue calls: ${String(stats.requests[CONTINUE])}`,
  );
  assert.equal(second.inventory.added, 1);
  // The renamed folder's files keep their rev: moves. The renamed file's rev changes with its
  // ctime in the emulator, so it counts as changed, like the file with new bytes.
  assert.equal(second.inventory.moved, 2);
  assert.equal(second.inventory.changed, 2);
  assert.equal(
    second.inventory.deleted,
    3,
    'gone.txt and the two files of Scrap were deleted; moves are not deletions',
  );
  // report.txt, moved.txt, two Trip files, new.txt: only those are copied.
  assert.equal(second.chunk.migrated, 5);
  assert.equal(stats.requests[DOWNLOAD], 5);

  await assertObject(bed, 'backup/Docs/report.txt', changed);
  await assertObject(bed, 'backup/Docs/moved.txt', files['Old/move-me.txt'] ?? Buffer.alloc(0));
  await assertObject(bed, 'backup/Trip 2024/day1.txt', files['Trip/day1.txt'] ?? Buffer.alloc(0));
  await assertObject(bed, 'backup/New/new.txt', added);
  // Nothing is ever deleted from S3: old keys of moved files and deleted files stay.
  await assertObject(bed, 'backup/Old/move-me.txt', files['Old/move-me.txt'] ?? Buffer.alloc(0));
  await assertObject(bed, 'backup/Trip/day1.txt', files['Trip/day1.txt'] ?? Buffer.alloc(0));
  await assertObject(bed, 'backup/gone.txt', files['gone.txt'] ?? Buffer.alloc(0));
  await assertObject(
    bed,
    'backup/Scrap/Deeper/two.txt',
    files['Scrap/Deeper/two.txt'] ?? Buffer.alloc(0),
  );
  assert.equal((await listKeys(bed)).length, 10 + 4);

  const ledger = await ledgerOf(bed);
  const records = byPath(ledger);
  const gone = records.get('/gone.txt');
  assert.ok(gone?.deletedAt, 'gone.txt is recorded as deleted');
  assert.equal(gone.status, 'migrated');
  const moved = records.get('/Docs/moved.txt');
  assert.equal(moved?.status, 'migrated');
  assert.equal(moved.deletedAt, undefined);
  assert.equal(moved.key, 'backup/Docs/moved.txt');
  const day1 = records.get('/Trip 2024/day1.txt');
  assert.equal(day1?.deletedAt, undefined);
  assert.equal(day1?.key, 'backup/Trip 2024/day1.txt');
  assert.ok(
    records.get('/Scrap/Deeper/two.txt')?.deletedAt,
    'files below a deleted folder are deleted',
  );
  assert.equal(ledger.size, 11, 'one record per Dropbox file id');
  assert.equal(ledger.totals().deleted, 3);
  assert.equal(ledger.folderPath('/scrap/deeper'), undefined);
  assert.equal(ledger.folderPath('/trip'), undefined, 'the old folder is forgotten');
  assert.equal(ledger.folderPath('/trip 2024'), '/Trip 2024');

  const status = await runCli(['status', '--ledger', bed.ledger], bed.env());
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /deleted in Dropbox since listed: 3 \(their objects are kept\)/);
  assert.match(status.stdout, /migrated {2}11 files/);
});

test('a reset cursor lists everything again without copying what is already migrated', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files = account();
  await writeTree(bed.root, files);
  await migrateAll(bed);
  const before = byPath(await ledgerOf(bed));
  const accountBytes = Object.values(files).reduce((sum, data) => sum + data.length, 0);

  bed.dropbox.invalidateCursors();
  const added = bytesFor('Docs/added.txt', 77);
  await writeTree(bed.root, { 'Docs/added.txt': added });
  await rm(join(bed.root, 'gone.txt'));
  bed.dropbox.resetStats();

  const result = await bed.chunk();
  const stats = bed.dropbox.stats();
  assert.equal(result.fatal, undefined);
  assert.equal(result.done, true);
  assert.equal(result.inventory?.fullListing, true);
  assert.ok((stats.requests[CONTINUE] ?? 0) >= 1, 'the saved cursor was tried');
  assert.equal(stats.requests[LIST], 1, 'then everything was listed again');
  assert.equal(result.chunk.migrated, 1, 'only the new file is copied');
  assert.equal(stats.requests[DOWNLOAD], 1);
  assert.equal(stats.bytesServed, added.length);
  assert.ok(stats.bytesServed < accountBytes);
  await assertObject(bed, 'Docs/added.txt', added);

  const after = byPath(await ledgerOf(bed));
  for (const [path, record] of before) {
    if (path === '/gone.txt') continue;
    assert.deepEqual(after.get(path), record, `${path} is unchanged in the ledger`);
  }
  // A full listing does not report deletions: what it no longer shows is gone.
  assert.ok(
    after.get('/gone.txt')?.deletedAt,
    'a file deleted while the cursor was invalid is recorded',
  );
  assert.equal(result.inventory.deleted, 1);
});

test('recursive listing failure falls back to folder by folder; later changes come by delta', async (t) => {
  const bed = await startTestbed({ faults: { recursiveListMaxEntries: 5 } });
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (const folder of ['A', 'A/Deep', 'A/Deep/Er', 'B', 'C D']) {
    for (let i = 0; i < 3; i += 1) {
      const path = `${folder}/f${String(i)}.bin`;
      files[path] = bytesFor(path, 100 + i);
    }
  }
  files['top.txt'] = bytesFor('top.txt');
  await writeTree(bed.root, files);

  const first = await migrateAll(bed);
  assert.equal(first.length, 1);
  const result = first[0];
  assert.equal(result?.inventory?.fellBackToFolders, true);
  assert.equal(result.inventory.fullListing, true);
  assert.equal(result.chunk.migrated, Object.keys(files).length);
  assert.deepEqual(await listKeys(bed), sortedKeys(Object.keys(files)));
  for (const [path, data] of Object.entries(files)) await assertObject(bed, path, data);

  const later = bytesFor('A/Deep/Er/later.bin', 999);
  await writeTree(bed.root, { 'A/Deep/Er/later.bin': later });
  const changedTop = bytesFor('top.txt v2', 321);
  await writeFile(join(bed.root, 'top.txt'), changedTop);
  bed.dropbox.resetStats();

  const second = await bed.chunk();
  const stats = bed.dropbox.stats();
  assert.equal(second.done, true);
  assert.equal(second.inventory?.fullListing, false);
  assert.equal(second.inventory.fellBackToFolders, false);
  assert.equal(stats.requests[LIST] ?? 0, 0);
  assert.ok((stats.requests[CONTINUE] ?? 0) <= 3);
  assert.equal(second.chunk.migrated, 2);
  await assertObject(bed, 'A/Deep/Er/later.bin', later);
  await assertObject(bed, 'top.txt', changedTop);
});
