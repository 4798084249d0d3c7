import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawSettings } from '../../src/config/config.ts';
import { contentHashOfBytes } from '../emulators/dropbox/content-hash.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import type { ProgressListener } from '../../src/engine/progress.ts';
import type { Target } from '../../src/engine/target.ts';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  delegatingTarget,
  listUploads,
  MiB,
  objectBytes,
  migrateArgs,
  recordAt,
  sha256,
  startCli,
  waitFor,
} from '../support/reliability.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const PART = 8 * MiB;
const SIZE = 5 * PART;
/** Three parts, the last one short. */
const SMALLER = 2 * PART + 1000;
/**
 * Slow enough that a chunk of --max-duration 1s reads at most one part before its deadline (so
 * gets at most two parts done), whatever the machine: the emulator sleeps for every byte it sends.
 */
const SLOW = { bytesPerSecond: PART };
/** A deadline soon after the chunk starts, and a grace period long enough to finish a part. */
const DEADLINE: RawSettings = { 'part-size': '8MiB', 'max-duration': '1s', grace: '60s' };
const PARTS: RawSettings = { 'part-size': '8MiB' };

function content(seed: number, size = SIZE): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4096) data.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return data;
}

interface Counted {
  readonly target: Target;
  /** Part numbers uploaded, in the order their uploads finished. */
  readonly parts: number[];
  readonly aborted: string[];
}

function countingTarget(bed: Testbed, flags: RawSettings): Counted {
  const inner = new S3Target(bed.config(flags).s3, bed.s3.client());
  const parts: number[] = [];
  const aborted: string[] = [];
  const target = delegatingTarget(inner, {
    uploadPart: async (key, uploadId, partNumber, body, signal) => {
      const etag = await inner.uploadPart(key, uploadId, partNumber, body, signal);
      parts.push(partNumber);
      return etag;
    },
    abortMultipart: async (key, uploadId) => {
      aborted.push(uploadId);
      await inner.abortMultipart(key, uploadId);
    },
  });
  return { target, parts, aborted };
}

async function chunk(
  bed: Testbed,
  flags: RawSettings,
  target: Target,
  { stopAfterBytes = Infinity, stop = new AbortController() } = {},
): Promise<{ result: ChunkResult; notes: string[] }> {
  const notes: string[] = [];
  let received = 0;
  const progress: ProgressListener = {
    planned: () => undefined,
    bytes: (count) => {
      received += count;
      if (received >= stopAfterBytes) stop.abort();
    },
    finished: () => undefined,
    note: (line) => notes.push(line),
  };
  const config = bed.config(flags);
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target,
    progress,
    stop: stop.signal,
  });
  assert.equal(result.fatal, undefined);
  return { result, notes };
}

async function uploadExists(bed: Testbed, key: string, uploadId: string): Promise<boolean> {
  try {
    await bed.s3
      .client()
      .send(new ListPartsCommand({ Bucket: bed.s3.bucket, Key: key, UploadId: uploadId }));
    return true;
  } catch {
    return false;
  }
}

/** One chunk stopped (as by SIGINT) once the file started to arrive: it leaves a checkpoint. */
async function checkpointOnce(bed: Testbed): Promise<void> {
  const { result } = await chunk(bed, PARTS, countingTarget(bed, PARTS).target, {
    stopAfterBytes: 1,
  });
  assert.equal(result.chunk.checkpointed, 1);
  assert.equal(result.chunk.stoppedBy, 'stopped');
}

test('a file that needs three chunks completes across them, each part read and sent once', async (t) => {
  const bed = await startTestbed({ faults: SLOW });
  t.after(() => bed.close());
  const data = content(1);
  await writeFile(join(bed.root, 'movie.bin'), data);
  const counted = countingTarget(bed, DEADLINE);

  const offsets: number[] = [];
  const results: ChunkResult[] = [];
  for (;;) {
    const { result, notes } = await chunk(bed, DEADLINE, counted.target);
    results.push(result);
    if (result.done) break;
    assert.ok(results.length < 12, 'too many chunks');
    assert.equal(result.chunk.migrated, 0);
    assert.equal(result.chunk.stoppedBy, 'deadline');
    // A chunk whose start-up alone outlasted its deadline (a loaded machine) starts nothing.
    if (result.chunk.checkpointed === 0) continue;
    assert.equal(result.chunk.checkpointed, 1);
    assert.ok(notes.some((line) => line.includes('resumes next chunk')));
    const record = await recordAt(bed, 'movie.bin');
    assert.equal(record.status, 'pending');
    const checkpoint = record.checkpoint;
    assert.ok(checkpoint !== undefined, 'the ledger keeps a checkpoint');
    assert.equal(checkpoint.partSize, PART);
    assert.equal(checkpoint.offset % PART, 0);
    assert.equal(checkpoint.etags.length, checkpoint.offset / PART);
    assert.equal(checkpoint.blockDigests.length, checkpoint.offset / (4 * MiB));
    assert.ok(checkpoint.offset > (offsets.at(-1) ?? 0), 'every chunk gets further');
    offsets.push(checkpoint.offset);
  }
  assert.ok(offsets.length >= 2, 'checkpointed at least twice before completing');
  // At most one part read before each 1 s deadline (the emulator's pace), so at most two parts
  // per chunk: three chunks at least for five parts.
  assert.ok(results.length >= 3, `${String(results.length)} chunks`);
  assert.equal(results.at(-1)?.chunk.migrated, 1);

  assert.deepEqual(
    [...counted.parts].sort((a, b) => a - b),
    [1, 2, 3, 4, 5],
    'each part uploaded once',
  );
  assert.deepEqual(counted.aborted, [], 'no upload aborted');
  // What a stopped chunk's connection had in flight may be sent twice (less than a part a chunk,
  // however loaded the machine). Starting each chunk over would re-send every checkpointed byte.
  const served = bed.dropbox.stats().bytesServed;
  const restarts = offsets.reduce((sum, offset) => sum + offset, 0);
  assert.ok(
    served >= SIZE && served < SIZE + results.length * PART && served < SIZE + restarts,
    `${String(served)} bytes downloaded in ${String(results.length)} chunks`,
  );

  const key = 'movie.bin';
  assert.equal(sha256(await objectBytes(bed.s3.client(), bed.s3.bucket, key)), sha256(data));
  const head = await bed.s3
    .client()
    .send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  const metadata = head.Metadata ?? {};
  assert.equal(metadata['dropbox-content-hash'], contentHashOfBytes(data));
  assert.equal(metadata['dropbox-size'], String(SIZE));
  assert.match(head.ETag ?? '', /-5"$/);
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
  const record = await recordAt(bed, 'movie.bin');
  assert.equal(record.status, 'migrated');
  assert.equal(record.checkpoint, undefined);
});

for (const lost of ['deleted', 'reset'] as const) {
  test(`an upload orphaned by a lost ledger (${lost}) is aborted and the file migrates whole`, async (t) => {
    const bed = await startTestbed();
    t.after(() => bed.close());
    const data = content(2, SMALLER);
    await writeFile(join(bed.root, 'big.bin'), data);
    await checkpointOnce(bed);
    const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
    assert.ok(checkpoint !== undefined);
    assert.ok(await uploadExists(bed, 'big.bin', checkpoint.uploadId));

    if (lost === 'deleted') await rm(bed.ledger, { recursive: true, force: true });
    const flags: RawSettings = lost === 'reset' ? { ...PARTS, 'reset-ledger': true } : PARTS;
    const counted = countingTarget(bed, flags);
    const { result, notes } = await chunk(bed, flags, counted.target);
    assert.equal(result.done, true);
    assert.equal(result.chunk.migrated, 1);
    assert.deepEqual(counted.aborted, [checkpoint.uploadId]);
    assert.ok(notes.some((line) => line.includes('Aborted 1 unfinished multipart upload')));
    assert.equal(await uploadExists(bed, 'big.bin', checkpoint.uploadId), false);
    const stored = await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin');
    assert.equal(sha256(stored), sha256(data));
    assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
  });
}

test('a new rev between chunks aborts the old upload and migrates the new content', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeFile(join(bed.root, 'big.bin'), content(3, SMALLER));
  await checkpointOnce(bed);
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined);

  const changed = content(4, SMALLER - 12345);
  await writeFile(join(bed.root, 'big.bin'), changed);
  const counted = countingTarget(bed, PARTS);
  const { result } = await chunk(bed, PARTS, counted.target);
  assert.equal(result.done, true);
  assert.deepEqual(counted.aborted, [checkpoint.uploadId]);
  assert.equal(await uploadExists(bed, 'big.bin', checkpoint.uploadId), false);
  const stored = await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin');
  assert.equal(sha256(stored), sha256(changed));
  const record = await recordAt(bed, 'big.bin');
  assert.equal(record.status, 'migrated');
  assert.equal(record.checkpoint, undefined);
  assert.notEqual(record.rev, checkpoint.rev);
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});

test('a file moved between chunks aborts the upload under its old key', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const data = content(8, SMALLER);
  await writeFile(join(bed.root, 'big.bin'), data);
  await checkpointOnce(bed);
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined);

  await rename(join(bed.root, 'big.bin'), join(bed.root, 'moved.bin'));
  const counted = countingTarget(bed, PARTS);
  const { result } = await chunk(bed, PARTS, counted.target);
  assert.equal(result.done, true);
  assert.deepEqual(counted.aborted, [checkpoint.uploadId]);
  assert.equal(await uploadExists(bed, 'big.bin', checkpoint.uploadId), false);
  const stored = await objectBytes(bed.s3.client(), bed.s3.bucket, 'moved.bin');
  assert.equal(sha256(stored), sha256(data));
  assert.equal((await recordAt(bed, 'moved.bin')).checkpoint, undefined);
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});

test('a checkpoint whose upload is gone starts over cleanly and says so', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const data = content(5, SMALLER);
  await writeFile(join(bed.root, 'big.bin'), data);
  await checkpointOnce(bed);
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined);
  await bed.s3.client().send(
    new AbortMultipartUploadCommand({
      Bucket: bed.s3.bucket,
      Key: 'big.bin',
      UploadId: checkpoint.uploadId,
    }),
  );

  const { result, notes } = await chunk(bed, PARTS, countingTarget(bed, {}).target);
  assert.equal(result.done, true);
  assert.ok(notes.some((line) => line.includes('no longer in S3') && line.includes('starts over')));
  assert.equal(sha256(await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin')), sha256(data));
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});

test('an upload whose parts differ from the checkpoint is aborted and started over', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const data = content(9, SMALLER);
  await writeFile(join(bed.root, 'big.bin'), data);
  await checkpointOnce(bed);
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined);

  const counted = countingTarget(bed, PARTS);
  const target = delegatingTarget(counted.target, {
    listParts: () =>
      Promise.resolve([{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }]),
  });
  const { result, notes } = await chunk(bed, PARTS, target);
  assert.equal(result.done, true);
  assert.ok(notes.some((line) => line.includes('part 1 of its unfinished upload is not what')));
  assert.deepEqual(counted.aborted, [checkpoint.uploadId]);
  assert.deepEqual(
    [...counted.parts].sort((a, b) => a - b),
    [1, 2, 3],
  );
  assert.equal(sha256(await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin')), sha256(data));
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});

test('parts uploaded before the grace period ran out are kept for the next chunk', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const data = content(6, SMALLER);
  await writeFile(join(bed.root, 'big.bin'), data);
  const flags: RawSettings = { ...PARTS, grace: '0s' };
  const stop = new AbortController();
  const inner = new S3Target(bed.config(flags).s3, bed.s3.client());
  // Part 2 never finishes: once part 1 is stored, the stop comes while part 2 is in flight, and
  // the grace period is none.
  let partOneStored: () => void = () => undefined;
  const partOne = new Promise<void>((resolve) => {
    partOneStored = resolve;
  });
  const stalling = delegatingTarget(inner, {
    uploadPart: async (key, uploadId, partNumber, body, signal) => {
      if (partNumber !== 2) {
        const etag = await inner.uploadPart(key, uploadId, partNumber, body, signal);
        if (partNumber === 1) partOneStored();
        return etag;
      }
      await partOne;
      stop.abort();
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new Error('cut off'));
        });
      });
    },
  });
  const first = await chunk(bed, flags, stalling, { stop });
  assert.equal(first.result.chunk.checkpointed, 0);
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined, 'part 1 was recorded as it finished');
  assert.equal(checkpoint.offset, PART);
  assert.ok(await uploadExists(bed, 'big.bin', checkpoint.uploadId), 'the upload is kept');

  const counted = countingTarget(bed, PARTS);
  const { result } = await chunk(bed, PARTS, counted.target);
  assert.equal(result.done, true);
  assert.deepEqual(
    [...counted.parts].sort((a, b) => a - b),
    [2, 3],
    'part 1 is not sent again',
  );
  assert.deepEqual(counted.aborted, []);
  assert.equal(sha256(await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin')), sha256(data));
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});

test('a chunk killed with SIGKILL mid-file keeps the parts it recorded', async (t) => {
  // Slow, so the kill lands long before the rest of the file could arrive.
  const bed = await startTestbed({ faults: { bytesPerSecond: PART / 2 } });
  t.after(() => bed.close());
  const data = content(7, SMALLER);
  await writeFile(join(bed.root, 'big.bin'), data);
  const run = startCli(bed, migrateArgs(bed, { 'part-size': '8MiB' }));
  await waitFor(async () => {
    const record = await recordAt(bed, 'big.bin').catch(() => undefined);
    return record?.checkpoint !== undefined;
  }, 'a checkpoint in the ledger');
  run.child.kill('SIGKILL');
  const { signal } = await run.exited;
  assert.equal(signal, 'SIGKILL');
  const checkpoint = (await recordAt(bed, 'big.bin')).checkpoint;
  assert.ok(checkpoint !== undefined);
  const status = await startCli(bed, ['status', '--ledger', bed.ledger]).exited;
  assert.match(status.stdout, /in progress: 1 files, \d/);

  bed.dropbox.setFaults({ bytesPerSecond: 0 });
  const counted = countingTarget(bed, PARTS);
  const { result } = await chunk(bed, PARTS, counted.target);
  assert.equal(result.done, true);
  assert.ok(!counted.parts.includes(1), 'part 1 is not sent again');
  assert.ok(!counted.aborted.includes(checkpoint.uploadId), 'the checkpointed upload is resumed');
  assert.equal(sha256(await objectBytes(bed.s3.client(), bed.s3.bucket, 'big.bin')), sha256(data));
  assert.deepEqual(await listUploads(bed.s3.client(), bed.s3.bucket), []);
});
