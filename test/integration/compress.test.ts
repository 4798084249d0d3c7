import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { contentHashOfBytes } from '../emulators/dropbox/content-hash.ts';
import { bytesFor, migrateAll, objectBytes, sha, writeTree } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { requireTool } from '../support/tools.ts';

const DOWNLOAD = 'files/download';
const MiB = 1024 * 1024;

function repetitive(line: string, size: number): Buffer {
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

const FILES: Record<string, Buffer> = {
  'Notes/big.txt': repetitive('The quick brown fox jumps over the lazy dog.\n', 200 * 1024),
  'Data/records.JSON': repetitive(
    '{"id": 1, "name": "a record", "tags": ["x", "y"]},\n',
    64 * 1024,
  ),
  'Notes/random.txt': randomBytes(50 * 1024),
  'Photos/picture.jpg': repetitive('not a real jpeg, but very compressible ', 50 * 1024),
  'Notes/tiny.txt': Buffer.from('too small to gain\n'),
  // Larger than --part-size: sent in parts, stored as it is.
  'Logs/huge.log': repetitive('2024-01-01T00:00:00Z INFO something happened\n', 9 * MiB),
};
const COMPRESSED = ['Notes/big.txt', 'Data/records.JSON'];

async function head(bed: Testbed, key: string) {
  return bed.s3.client().send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
}

function ledgerFlag(bed: Testbed, name: string): { ledger: string } {
  return { ledger: join(bed.ledger, name) };
}

test('--compress text gzips text-like files when that saves 10%; the object unzips to the exact bytes and reconciles', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, FILES);
  const flags = {
    prefix: 'z',
    compress: 'text',
    'part-size': '8MiB',
    ...ledgerFlag(bed, 'z'),
  };
  await migrateAll(bed, flags);

  for (const [path, data] of Object.entries(FILES)) {
    const key = `z/${path}`;
    const stored = await head(bed, key);
    const body = await objectBytes(bed, key);
    // The original's size and hash stay in metadata, compressed or not.
    const metadata = stored.Metadata ?? {};
    assert.equal(metadata['dropbox-size'], String(data.length), path);
    assert.equal(metadata['dropbox-content-hash'], contentHashOfBytes(data), path);
    if (COMPRESSED.includes(path)) {
      assert.equal(stored.ContentEncoding, 'gzip', path);
      assert.ok(body.length <= data.length * 0.9, `${path}: ${String(body.length)} bytes`);
      assert.equal(stored.ContentLength, body.length);
      assert.equal(sha(gunzipSync(body)), sha(data), path);
    } else {
      assert.equal(stored.ContentEncoding, undefined, path);
      assert.equal(sha(body), sha(data), path);
    }
  }
  assert.equal((await head(bed, 'z/Notes/big.txt')).ContentType, 'text/plain');
  assert.equal((await head(bed, 'z/Data/records.JSON')).ContentType, 'application/json');

  // rclone, an independent client, reads it back as the original with --s3-decompress.
  const { stdout } = await promisify(execFile)(
    requireTool('rclone'),
    ['cat', '--s3-decompress', `harness:${bed.s3.bucket}/z/Notes/big.txt`],
    { env: bed.s3.rcloneEnv(), encoding: 'buffer', maxBuffer: 16 * MiB },
  );
  assert.equal(sha(stdout), sha(FILES['Notes/big.txt'] ?? Buffer.alloc(0)));

  // A lost ledger: the compressed objects are found again by HEAD, not copied again.
  bed.dropbox.resetStats();
  const reset = await bed.chunk({ ...flags, 'reset-ledger': true });
  assert.equal(reset.fatal, undefined);
  assert.equal(reset.done, true);
  const count = Object.keys(FILES).length;
  assert.deepEqual(reset.reconciled, { listed: count, checked: count, confirmed: count });
  assert.equal(reset.chunk.migrated, 0);
  assert.equal(bed.dropbox.stats().requests[DOWNLOAD] ?? 0, 0);

  // A smaller text object that is not this file's gzip is checked, refused, and copied again.
  await bed.s3.client().send(
    new PutObjectCommand({
      Bucket: bed.s3.bucket,
      Key: 'z/Notes/big.txt',
      Body: 'something else',
      ContentEncoding: 'gzip',
      Metadata: {
        'dropbox-content-hash': contentHashOfBytes(FILES['Notes/big.txt'] ?? Buffer.alloc(0)),
      },
    }),
  );
  bed.dropbox.resetStats();
  const again = await bed.chunk({ ...flags, 'reset-ledger': true });
  assert.deepEqual(again.reconciled, { listed: count, checked: count, confirmed: count - 1 });
  assert.equal(again.chunk.migrated, 1);
  assert.equal(bed.dropbox.stats().requests[DOWNLOAD], 1);
  assert.equal(
    sha(gunzipSync(await objectBytes(bed, 'z/Notes/big.txt'))),
    sha(FILES['Notes/big.txt'] ?? Buffer.alloc(0)),
  );
});

test('without --compress nothing is compressed', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files = {
    'Notes/big.txt': FILES['Notes/big.txt'] ?? Buffer.alloc(0),
    'a.json': bytesFor('a'),
  };
  await writeTree(bed.root, files);
  await migrateAll(bed);
  for (const [path, data] of Object.entries(files)) {
    const stored = await head(bed, path);
    assert.equal(stored.ContentEncoding, undefined, path);
    assert.equal(stored.ContentLength, data.length, path);
    assert.equal(sha(await objectBytes(bed, path)), sha(data), path);
  }
});
