import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashOf, SHA256_BLOCKS } from '../../src/engine/content-hash.ts';

const CONTENT_HASH_BLOCK_SIZE = SHA256_BLOCKS.blockSize;
const contentHashOf = (data: Uint8Array): string => hashOf(SHA256_BLOCKS, data);
import { requireTool } from '../support/tools.ts';

const MiB = 1024 * 1024;
const SIZES = { empty: 0, four: 4 * MiB, fourPlusOne: 4 * MiB + 1, nine: 9 * MiB };

/** Dropbox's algorithm written out the slow, obvious way, as a second opinion. */
function referenceHash(data: Buffer): string {
  const overall = createHash('sha256');
  for (let offset = 0; offset < data.length; offset += CONTENT_HASH_BLOCK_SIZE) {
    overall.update(
      createHash('sha256')
        .update(data.subarray(offset, offset + CONTENT_HASH_BLOCK_SIZE))
        .digest(),
    );
  }
  return overall.digest('hex');
}

const files = Object.fromEntries(
  Object.entries(SIZES).map(([name, size]) => [name, randomBytes(size)]),
) as Record<keyof typeof SIZES, Buffer>;

test('the block size is 4 MiB', () => {
  assert.equal(CONTENT_HASH_BLOCK_SIZE, 4 * MiB);
});

test('an empty file hashes to the sha256 of no digests', () => {
  assert.equal(
    contentHashOf(files.empty),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('a known vector: 4 MiB of zero bytes', () => {
  const block = createHash('sha256')
    .update(Buffer.alloc(4 * MiB))
    .digest();
  const expected = createHash('sha256').update(block).digest('hex');
  assert.equal(contentHashOf(Buffer.alloc(4 * MiB)), expected);
});

test('matches the reference on 0 B, 4 MiB, 4 MiB + 1 and 9 MiB', () => {
  for (const [name, data] of Object.entries(files)) {
    assert.equal(contentHashOf(data), referenceHash(data), name);
  }
});

test('is independent of how the stream is chunked', () => {
  const data = files.nine;
  const expected = referenceHash(data);
  for (const chunkSize of [1, 4093, 65536, 4 * MiB - 1, 4 * MiB, 4 * MiB + 7]) {
    const hasher = SHA256_BLOCKS.create();
    // A 1-byte chunking of 9 MiB is slow; only do it over the first block boundary.
    const limit = chunkSize === 1 ? 4 * MiB + 16 : data.length;
    for (let offset = 0; offset < limit; offset += chunkSize) {
      hasher.update(data.subarray(offset, Math.min(offset + chunkSize, limit)));
    }
    if (limit < data.length) hasher.update(data.subarray(limit));
    assert.equal(hasher.bytes, data.length);
    assert.equal(hasher.digest(), expected, `chunk size ${chunkSize}`);
  }
});

test('resumes from the block digests of whole blocks', () => {
  const data = files.nine;
  const first = SHA256_BLOCKS.create().update(data.subarray(0, 8 * MiB));
  const digests = first.blockDigests();
  assert.equal(digests.length, 2);
  const resumed = SHA256_BLOCKS.resume(digests).update(data.subarray(8 * MiB));
  assert.equal(resumed.bytes, data.length);
  assert.equal(resumed.digest(), referenceHash(data));
});

test('a partial block is not reported as a block digest', () => {
  const hasher = SHA256_BLOCKS.create().update(files.fourPlusOne);
  assert.equal(hasher.blockDigests().length, 1);
});

test('agrees with rclone hashsum dropbox, an independent implementation', async (t) => {
  const rclone = requireTool('rclone');
  const dir = await mkdtemp(join(tmpdir(), 'content-hash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);

  const result = spawnSync(rclone, ['hashsum', 'dropbox', dir, '--config', '/dev/null'], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const fromRclone = new Map(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [hash = '', name = ''] = line.split(/\s+/);
        return [name, hash];
      }),
  );
  assert.equal(fromRclone.size, Object.keys(files).length);
  for (const [name, data] of Object.entries(files)) {
    assert.equal(fromRclone.get(name), contentHashOf(data), name);
  }
});
