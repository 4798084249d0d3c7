import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerView } from '../../src/ledger/ledger.ts';
import { bytesFor, migrateAll, objectBytes, sha, writeTree } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const DOWNLOAD = 'files/download';

async function overwrite(
  bed: Testbed,
  key: string,
  body: Buffer,
  metadata?: Record<string, string>,
): Promise<void> {
  await bed.s3
    .client()
    .send(
      new PutObjectCommand({ Bucket: bed.s3.bucket, Key: key, Body: body, Metadata: metadata }),
    );
}

async function statuses(bed: Testbed): Promise<string[]> {
  const ledger = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  return [...(ledger?.records() ?? [])].map((record) => record.status);
}

test('a lost or reset ledger is rebuilt from S3 with HEADs; only objects that do not match are copied', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i += 1) {
    const path = `${i % 2 === 0 ? 'Even' : 'Odd'}/file-${String(i)}.bin`;
    files[path] = bytesFor(path, 1000 + i * 37);
  }
  await writeTree(bed.root, files);
  const flags = { prefix: 'backup' };
  await migrateAll(bed, flags);
  const count = Object.keys(files).length;

  // --reset-ledger: a new migration that finds everything already in place.
  bed.dropbox.resetStats();
  const reset = await bed.chunk({ ...flags, 'reset-ledger': true });
  let stats = bed.dropbox.stats();
  assert.equal(reset.fatal, undefined);
  assert.equal(reset.done, true);
  assert.equal(reset.inventory?.fullListing, true);
  assert.deepEqual(reset.reconciled, { listed: count, checked: count, confirmed: count });
  assert.equal(reset.chunk.migrated, 0);
  assert.equal(reset.total.migrated, count);
  assert.equal(stats.requests[DOWNLOAD] ?? 0, 0);
  assert.equal(stats.bytesServed, 0);
  assert.deepEqual(await statuses(bed), Array<string>(count).fill('migrated'));

  // Objects changed behind the tool's back, then the ledger is lost.
  const sameSizeWrongHash = 'backup/Even/file-0.bin';
  const sameSizeNoMetadata = 'backup/Odd/file-1.bin';
  const otherSize = 'backup/Even/file-2.bin';
  const original = (key: string): Buffer => files[key.replace(/^backup\//, '')] ?? Buffer.alloc(0);
  await overwrite(bed, sameSizeWrongHash, Buffer.alloc(original(sameSizeWrongHash).length, 7), {
    'dropbox-content-hash': sha(Buffer.from('something else')),
  });
  await overwrite(bed, sameSizeNoMetadata, Buffer.alloc(original(sameSizeNoMetadata).length, 9));
  await overwrite(bed, otherSize, Buffer.from('short'));
  await rm(bed.ledger, { recursive: true });

  bed.dropbox.resetStats();
  const rebuilt = await bed.chunk(flags);
  stats = bed.dropbox.stats();
  assert.equal(rebuilt.fatal, undefined);
  assert.equal(rebuilt.done, true);
  // Key and size match for all but one; HEAD rejects the two whose stored hash is wrong or absent.
  assert.deepEqual(rebuilt.reconciled, { listed: count, checked: count - 1, confirmed: count - 3 });
  assert.equal(rebuilt.chunk.migrated, 3);
  assert.equal(stats.requests[DOWNLOAD], 3);
  const tampered = [sameSizeWrongHash, sameSizeNoMetadata, otherSize];
  assert.equal(
    stats.bytesServed,
    tampered.reduce((sum, key) => sum + original(key).length, 0),
  );
  for (const key of tampered) {
    assert.equal(sha(await objectBytes(bed, key)), sha(original(key)), key);
  }
  assert.equal(rebuilt.total.migrated, count);
  assert.deepEqual(await statuses(bed), Array<string>(count).fill('migrated'));
});
