import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  assertBucketMatches,
  listUploads,
  makeAccount,
  MiB,
  recordAt,
} from '../support/reliability.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

// Why not rewrite the file on disk behind the listing's back: the emulator derives a file's rev
// (and its hash cache key) from inode, size, mtime *and ctime*, and no `utimes` restores a ctime.
// New bytes therefore mean a new rev, the download by the listed rev answers `not_found`, and the
// test would show a deleted-since-listing file, not a corrupt download. Instead the bytes are
// damaged in transit: the real DropboxSource gets a `fetch` (its constructor option, the same
// seam the emulator redirect uses) that flips one byte of one file's download body.

const PREFIX = 'backup';
const FLAGS = { prefix: PREFIX, 'part-size': '8MiB' };

interface Corruption {
  /** Dropbox lower-cased paths whose download bodies get one byte flipped. */
  readonly paths: Set<string>;
  /** Damaged deliveries per path. */
  readonly count: Map<string, number>;
  readonly fetch: typeof fetch;
}

/** A fetch that flips the byte at file offset `at` in download bodies of the chosen files. */
function corruptingFetch(at: (size: number) => number): Corruption {
  const paths = new Set<string>();
  const count = new Map<string, number>();
  const corrupting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const result = response.headers.get('dropbox-api-result');
    if (!response.ok || response.body === null || result === null) return response;
    const file = JSON.parse(result) as { path_lower?: string; size?: number };
    const path = file.path_lower ?? '';
    if (!paths.has(path)) return response;
    const target = at(file.size ?? 0);
    const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    let position = Number(range?.[1] ?? 0);
    const flip = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (target >= position && target < position + chunk.length) {
          const copy = Uint8Array.from(chunk);
          copy[target - position] = (copy[target - position] ?? 0) ^ 0x01;
          controller.enqueue(copy);
          count.set(path, (count.get(path) ?? 0) + 1);
        } else {
          controller.enqueue(chunk);
        }
        position += chunk.length;
      },
    });
    return new Response(response.body.pipeThrough(flip), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { paths, count, fetch: corrupting };
}

function chunkThrough(bed: Testbed, fetcher: typeof fetch): Promise<ChunkResult> {
  const config = bed.config(FLAGS);
  return runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox, { fetch: fetcher }),
    target: new S3Target(config.s3, bed.s3.client()),
  });
}

async function headStatus(bed: Testbed, key: string): Promise<number> {
  try {
    await bed.s3.client().send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
}

const cases = [
  { kind: 'a small file (one verified PUT)', path: 'Victims/letter.txt', size: 300 * 1024 },
  { kind: 'a multipart file', path: 'Victims/disk.iso', size: 12 * MiB + 4321 },
];

for (const { kind, path, size } of cases) {
  test(`a corrupt download of ${kind} never becomes a visible object`, async (t) => {
    const bed = await startTestbed();
    t.after(() => bed.close());
    const paths = await makeAccount(bed.root, { small: 10, seed: size });
    await mkdir(join(bed.root, 'Victims'));
    await writeFile(join(bed.root, path), randomBytes(size));

    // One byte early in the file: for the multipart file, parts are uploaded before the whole
    // file's hash can be compared, so the upload must be aborted, not completed.
    const corruption = corruptingFetch((fileSize) => Math.floor(fileSize / 5));
    corruption.paths.add(`/${path}`.toLowerCase());
    const first = await chunkThrough(bed, corruption.fetch);

    assert.equal(first.fatal, undefined);
    assert.equal(first.done, false);
    assert.equal(first.chunk.migrated, paths.length, 'every other file was migrated');
    assert.equal(first.chunk.failed, 0, 'a hash mismatch is retryable, not a failure for good');
    assert.equal(await headStatus(bed, `${PREFIX}/${path}`), 404, 'no object at the key');
    assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), [], 'no upload left');

    const record = await recordAt(bed, path);
    const damaged = corruption.count.get(`/${path}`.toLowerCase()) ?? 0;
    assert.ok(damaged > 0, 'the download really was damaged');
    assert.equal(record.status, 'pending');
    assert.equal(record.failure?.failureClass, 'hash_mismatch');
    assert.equal(record.failure.kind, 'retryable');
    assert.match(record.failure.reason, /nothing was stored/);
    assert.equal(record.attempts, damaged, 'every damaged attempt is counted');

    // The same file arrives whole next time: it is migrated and equals its source.
    const second = await chunkThrough(bed, fetch);
    assert.equal(second.done, true);
    assert.equal((await recordAt(bed, path)).status, 'migrated');
    assert.equal((await recordAt(bed, path)).attempts, 0);
    await assertBucketMatches(bed, PREFIX, assert.deepEqual);
  });
}
