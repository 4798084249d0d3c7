import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { shardOf } from '../../src/engine/shard.ts';
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

const SHARDS = 3;

async function shardRecords(bed: Testbed, index: number): Promise<FileRecord[]> {
  const view = await LedgerView.inspect(
    join(bed.ledger, `shard-${String(index)}-of-${String(SHARDS)}`),
  );
  assert.ok(view, `shard ${String(index)} has a ledger`);
  assert.equal(view.settings.shard, `${String(index)}/${String(SHARDS)}`);
  return [...view.records()].filter((record) => record.deletedAt === undefined);
}

/** Runs every shard to done, all at once, as a matrix of jobs would. */
async function runShards(bed: Testbed): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: SHARDS }, (_, index) =>
      migrateAll(bed, { shard: `${String(index)}/${String(SHARDS)}` }),
    ),
  );
  return results.map((chunks) => chunks.reduce((sum, result) => sum + result.chunk.migrated, 0));
}

async function assertDisjointAndComplete(bed: Testbed, paths: string[]): Promise<void> {
  const owner = new Map<string, number>();
  const recordedPaths: string[] = [];
  for (let index = 0; index < SHARDS; index += 1) {
    const records = await shardRecords(bed, index);
    assert.ok(records.length > 0, `shard ${String(index)} has files`);
    for (const record of records) {
      assert.equal(shardOf(record.id, SHARDS), index, `${record.path} is in its shard`);
      assert.equal(owner.get(record.id), undefined, `${record.path} is in one shard only`);
      owner.set(record.id, index);
      recordedPaths.push(record.path.slice(1));
      assert.equal(record.status, 'migrated');
    }
  }
  assert.deepEqual(
    sortedKeys(recordedPaths),
    sortedKeys(paths),
    'the shards together hold every file',
  );
}

test('shards 0/3, 1/3 and 2/3 together migrate every file exactly once', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 30; i += 1) {
    const path = `Folder ${String(i % 4)}/Sub ${String(i % 3)}/file-${String(i)}.dat`;
    files[path] = bytesFor(path, 100 + i);
  }
  await writeTree(bed.root, files);

  const migrated = await runShards(bed);
  const stats = bed.dropbox.stats();
  assert.equal(
    migrated.reduce((a, b) => a + b, 0),
    30,
  );
  assert.equal(stats.requests['files/download'], 30, 'each file is downloaded once');
  assert.deepEqual(await listKeys(bed), sortedKeys(Object.keys(files)));
  for (const [path, data] of Object.entries(files)) {
    assert.equal(sha(await objectBytes(bed, path)), sha(data), path);
  }
  await assertDisjointAndComplete(bed, Object.keys(files));

  // A moved folder and a new file: each file is handled by its own shard, once.
  await rename(join(bed.root, 'Folder 0'), join(bed.root, 'Moved'));
  await writeTree(bed.root, { 'New/one.txt': bytesFor('new') });
  bed.dropbox.resetStats();
  const again = await runShards(bed);
  const moved = Object.keys(files).filter((path) => path.startsWith('Folder 0/'));
  assert.equal(
    again.reduce((a, b) => a + b, 0),
    moved.length + 1,
  );
  assert.equal(bed.dropbox.stats().requests['files/download'], moved.length + 1);
  const now = Object.keys(files).map((path) => path.replace(/^Folder 0\//, 'Moved/'));
  await assertDisjointAndComplete(bed, [...now, 'New/one.txt']);
  for (const path of moved) {
    const data = files[path] ?? Buffer.alloc(0);
    assert.equal(sha(await objectBytes(bed, path.replace(/^Folder 0\//, 'Moved/'))), sha(data));
  }

  const status = await runCli(['status', '--ledger', bed.ledger, '--shard', '1/3'], bed.env());
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /\(shard 1\/3, keys: display case\)/);
});
