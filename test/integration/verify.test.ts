import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConfig, type RawSettings } from '../../src/config/config.ts';
import { contentHashOfBytes } from '../emulators/dropbox/content-hash.ts';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import type { ProgressListener } from '../../src/engine/progress.ts';
import { runVerify, type VerifyResult } from '../../src/engine/verify.ts';
import { LedgerView } from '../../src/ledger/ledger.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import { S3Target } from '../../src/s3/target.ts';
import { bytesFor, objectBytes, runCli, sha, writeTree, type CliRun } from '../support/bucket.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const PREFIX = 'backup';
const FLAGS = { prefix: PREFIX };

function verify(bed: Testbed, extra: RawSettings = {}): Promise<VerifyResult> {
  const config = buildConfig('verify', bed.flags({ ...FLAGS, ...extra }), bed.env());
  return runVerify(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target: new S3Target(config.s3, bed.s3.client()),
  });
}

/** A chunk whose downloads go through `fetcher`, with its progress notes collected. */
async function chunk(
  bed: Testbed,
  extra: RawSettings = {},
  fetcher: typeof fetch = fetch,
): Promise<{ result: ChunkResult; notes: string[] }> {
  const notes: string[] = [];
  const progress: ProgressListener = {
    planned: () => undefined,
    bytes: () => undefined,
    finished: () => undefined,
    note: (line) => notes.push(line),
  };
  const config = bed.config({ ...FLAGS, ...extra });
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox, { fetch: fetcher }),
    target: new S3Target(config.s3, bed.s3.client()),
    progress,
  });
  assert.equal(result.fatal, undefined);
  return { result, notes };
}

async function recordAt(bed: Testbed, path: string): Promise<FileRecord> {
  const ledger = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  const record = ledger?.atPath(`/${path}`.toLowerCase());
  assert.ok(record, `no record for ${path}`);
  return record;
}

/** Replaces an object behind the tool's back, keeping the metadata the tool wrote. */
async function tamper(
  bed: Testbed,
  key: string,
  body: Uint8Array,
  extra: { ContentEncoding?: string } = {},
): Promise<void> {
  const client = bed.s3.client();
  const head = await client.send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  await client.send(
    new PutObjectCommand({
      Bucket: bed.s3.bucket,
      Key: key,
      Body: body,
      ContentType: head.ContentType,
      Metadata: head.Metadata,
      ...extra,
    }),
  );
}

function reasons(result: VerifyResult): string[] {
  return result.differences.map((found) => `${found.reason} ${found.path}`);
}

const FILES = {
  'Docs/a.txt': bytesFor('a', 1500),
  'Docs/b.txt': bytesFor('b', 2500),
  'Photos/c.jpg': bytesFor('c', 9000),
  'Photos/d.jpg': bytesFor('d', 300),
};

test('verify: cheap and deep checks, corruption behind the back, --requeue repairs', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, FILES);

  await t.test('no ledger yet: refused, nothing is made', async () => {
    await assert.rejects(verify(bed), /no ledger in .*Run migrate first/);
    await assert.rejects(readdir(bed.ledger), { code: 'ENOENT' });
  });

  await chunk(bed);

  await t.test('right after a migration nothing differs, cheap or deep', async () => {
    const cheap = await verify(bed);
    assert.equal(cheap.checked, 4);
    assert.deepEqual(cheap.differences, []);
    assert.equal(cheap.requeued, 0);
    const deep = await verify(bed, { deep: true });
    assert.equal(deep.checked, 4);
    assert.deepEqual(deep.differences, []);
  });

  await t.test('same-size bytes changed behind the back: only --deep sees it', async () => {
    const original = FILES['Docs/b.txt'];
    const damaged = Buffer.from(original);
    damaged[1234] = (damaged[1234] ?? 0) ^ 0xff;
    await tamper(bed, `${PREFIX}/Docs/b.txt`, damaged);

    const cheap = await verify(bed);
    assert.deepEqual(cheap.differences, [], 'size and stored hash are unchanged');
    const deep = await verify(bed, { deep: true });
    assert.deepEqual(reasons(deep), ['corrupt /Docs/b.txt']);
    assert.equal(deep.differences[0]?.key, `${PREFIX}/Docs/b.txt`);
    assert.match(deep.differences[0].detail, /hash to .* changed after the upload/);
    assert.equal((await recordAt(bed, 'Docs/b.txt')).status, 'migrated', 'no --requeue');

    const requeued = await verify(bed, { deep: true, requeue: true });
    assert.equal(requeued.requeued, 1);
    const record = await recordAt(bed, 'Docs/b.txt');
    assert.equal(record.status, 'pending');
    assert.equal(record.attempts, 0);
    assert.equal(record.migratedAt, undefined);
    assert.equal(record.failure?.failureClass, 'hash_mismatch');
    assert.match(record.failure.reason, /^verify found the object different: /);

    // Even a listing of everything (a reset cursor, so reconcile runs) does not take the corrupt
    // object, whose size and stored hash look right, as the migrated file.
    bed.dropbox.invalidateCursors();
    const { result } = await chunk(bed);
    assert.equal(result.inventory?.fullListing, true);
    assert.equal(result.reconciled?.confirmed, 0);
    assert.equal(result.chunk.migrated, 1, 'only the requeued file is copied');
    assert.equal(sha(await objectBytes(bed, `${PREFIX}/Docs/b.txt`)), sha(original));
    assert.deepEqual((await verify(bed, { deep: true })).differences, []);
  });

  await t.test('a deleted object and a changed size are seen without --deep', async () => {
    await bed.s3
      .client()
      .send(new DeleteObjectCommand({ Bucket: bed.s3.bucket, Key: `${PREFIX}/Docs/a.txt` }));
    await tamper(bed, `${PREFIX}/Photos/c.jpg`, bytesFor('c', 100));
    const cheap = await verify(bed, { requeue: true });
    assert.deepEqual(reasons(cheap), ['missing /Docs/a.txt', 'size /Photos/c.jpg']);
    assert.match(cheap.differences[1]?.detail ?? '', /holds 100 bytes; the file has 9000/);
    assert.equal(cheap.requeued, 2);

    const { result } = await chunk(bed);
    assert.equal(result.chunk.migrated, 2);
    assert.deepEqual(await objectBytes(bed, `${PREFIX}/Docs/a.txt`), FILES['Docs/a.txt']);
    assert.deepEqual(await objectBytes(bed, `${PREFIX}/Photos/c.jpg`), FILES['Photos/c.jpg']);
    assert.deepEqual((await verify(bed, { deep: true })).differences, []);
  });

  await t.test('a gzip-encoded object is checked by its original size and bytes', async () => {
    const key = `${PREFIX}/Photos/c.jpg`;
    const original = FILES['Photos/c.jpg'];
    await tamper(bed, key, gzipSync(original), { ContentEncoding: 'gzip' });
    assert.deepEqual((await verify(bed)).differences, []);
    assert.deepEqual((await verify(bed, { deep: true })).differences, []);

    const damaged = Buffer.from(original);
    damaged[10] = (damaged[10] ?? 0) ^ 0x01;
    await tamper(bed, key, gzipSync(damaged), { ContentEncoding: 'gzip' });
    assert.deepEqual(reasons(await verify(bed, { deep: true })), ['corrupt /Photos/c.jpg']);

    await tamper(bed, key, Buffer.from('not gzip at all'), { ContentEncoding: 'gzip' });
    const broken = await verify(bed, { deep: true });
    assert.deepEqual(reasons(broken), ['corrupt /Photos/c.jpg']);
    assert.match(broken.differences[0]?.detail ?? '', /does not gunzip/);

    // Stored hash metadata that is not the file's: seen without reading the bytes.
    const client = bed.s3.client();
    await client.send(
      new PutObjectCommand({
        Bucket: bed.s3.bucket,
        Key: key,
        Body: original,
        Metadata: { 'dropbox-content-hash': 'f'.repeat(64), 'dropbox-size': '9000' },
      }),
    );
    assert.deepEqual(reasons(await verify(bed, { requeue: true })), ['hash /Photos/c.jpg']);
    await chunk(bed);
    assert.deepEqual((await verify(bed, { deep: true })).differences, []);
  });

  await t.test(
    'after a reset listing, objects already in S3 are matched as a chunk does',
    async () => {
      // As if copied by an earlier migration whose ledger is gone: the object is there, right.
      const data = bytesFor('e', 777);
      await writeTree(bed.root, { 'Docs/e.txt': data });
      await bed.s3.client().send(
        new PutObjectCommand({
          Bucket: bed.s3.bucket,
          Key: `${PREFIX}/Docs/e.txt`,
          Body: data,
          Metadata: { 'dropbox-content-hash': contentHashOfBytes(data), 'dropbox-size': '777' },
        }),
      );
      bed.dropbox.invalidateCursors();
      const result = await verify(bed);
      assert.equal(result.inventory.fullListing, true);
      assert.equal(result.checked, 5, 'the new file is migrated: it is already in S3');
      assert.equal(result.pending, 0);
      // It carries no rev: that is a difference, and --requeue would have it copied again.
      assert.deepEqual(reasons(result), ['rev /Docs/e.txt']);
      assert.match(result.differences[0]?.detail ?? '', /holds rev \(none\)/);
      assert.equal((await verify(bed, { requeue: true })).requeued, 1);
      assert.equal((await chunk(bed)).result.chunk.migrated, 1);
      assert.deepEqual((await verify(bed)).differences, []);
    },
  );

  await t.test('pending, failed and deleted files are counted, not differences', async () => {
    const long = `${Array.from({ length: 5 }, (_, i) => `${String(i)}${'L'.repeat(219)}`).join('/')}/x.txt`;
    await writeTree(bed.root, { 'Docs/new.txt': bytesFor('new'), [long]: bytesFor('long') });
    await rm(join(bed.root, 'Photos/d.jpg'));
    const result = await verify(bed);
    assert.deepEqual(result.differences, []);
    assert.equal(result.checked, 4);
    assert.equal(result.pending, 1, 'the new file, listed by verify');
    assert.equal(result.failed, 1, 'the key too long for S3');
    assert.equal(result.deleted, 1);
    assert.equal(result.inventory.added, 2);
  });
});

/** A fetch that answers the download of the chosen paths as Dropbox does for restricted content. */
function restrictingFetch(paths: ReadonlySet<string>): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const result = response.headers.get('dropbox-api-result');
    if (result === null) return response;
    const file = JSON.parse(result) as { path_lower?: string };
    if (!paths.has(file.path_lower ?? '')) return response;
    await response.body?.cancel();
    return Response.json(
      {
        error_summary: 'path/restricted_content/.',
        error: { '.tag': 'path', path: { '.tag': 'restricted_content' } },
      },
      { status: 409 },
    );
  };
}

test('--retry-failed brings failures back: all, or one class', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const long = `${Array.from({ length: 5 }, (_, i) => `${String(i)}${'L'.repeat(219)}`).join('/')}/x.txt`;
  await writeTree(bed.root, {
    ...FILES,
    'Held/contract.pdf': bytesFor('held', 4000),
    [long]: bytesFor('long'),
  });
  const restricted = restrictingFetch(new Set(['/held/contract.pdf']));
  const first = await chunk(bed, {}, restricted);
  assert.equal(first.result.chunk.migrated, 4);
  assert.equal(first.result.chunk.failed, 2);
  const held = await recordAt(bed, 'Held/contract.pdf');
  assert.equal(held.status, 'failed');
  assert.equal(held.failure?.failureClass, 'restricted_content');
  const tooLong = await recordAt(bed, long);
  assert.equal(tooLong.failure?.failureClass, 'key_too_long');

  await t.test('without the flag, failures stay failed', async () => {
    const again = await chunk(bed);
    assert.equal(again.result.chunk.migrated, 0);
    assert.equal((await recordAt(bed, 'Held/contract.pdf')).status, 'failed');
  });

  await t.test('a class that matches nothing is a note, not an error', async () => {
    const { result, notes } = await chunk(bed, { 'retry-failed': 'access_denied' });
    assert.equal(result.chunk.migrated, 0);
    assert.ok(
      notes.some((line) =>
        /no failed file has the class access_denied; nothing was changed\. Failed files have these classes: .*restricted_content \(1\)/.test(
          line,
        ),
      ),
      notes.join('\n'),
    );
    assert.deepEqual(await recordAt(bed, 'Held/contract.pdf'), held);
    assert.deepEqual(await recordAt(bed, long), tooLong);
  });

  await t.test('one class: only its files, and they migrate once the cause is gone', async () => {
    const { result, notes } = await chunk(bed, { 'retry-failed': 'restricted_content' });
    assert.ok(
      notes.includes('--retry-failed restricted_content: 1 failed file made pending again.'),
    );
    assert.equal(result.chunk.migrated, 1);
    const record = await recordAt(bed, 'Held/contract.pdf');
    assert.equal(record.status, 'migrated');
    assert.equal(record.failure, undefined);
    assert.deepEqual(await objectBytes(bed, `${PREFIX}/Held/contract.pdf`), bytesFor('held', 4000));
    assert.deepEqual(await recordAt(bed, long), tooLong, 'another class is left alone');
  });

  await t.test('every class: a failure whose cause remains fails again', async () => {
    const { result, notes } = await chunk(bed, { 'retry-failed': true });
    assert.ok(
      notes.includes('--retry-failed: 1 failed file made pending again.'),
      notes.join('\n'),
    );
    assert.equal(result.chunk.failed, 1);
    const record = await recordAt(bed, long);
    assert.equal(record.status, 'failed');
    assert.equal(record.failure?.failureClass, 'key_too_long');
    assert.equal(record.attempts, 1);
    assert.notEqual(record.failure.at, tooLong.failure?.at);
  });
});

test('verify from the CLI: exit codes, --json, --requeue', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, FILES);
  const cli = (command: string, extra: RawSettings = {}): Promise<CliRun> =>
    runCli([command, ...flagsToArgs(bed.flags({ ...FLAGS, ...extra }))], bed.env());

  const none = await cli('verify');
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no ledger in .*Run migrate first/);

  assert.equal((await cli('migrate')).code, 0);
  const clean = await cli('verify', { json: true });
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(JSON.parse(clean.stdout), {
    checked: 4,
    differences: [],
    requeued: 0,
    notMigrated: { pending: 0, failed: 0 },
    deleted: 0,
  });
  assert.match(
    clean.stderr,
    /Verified 4 migrated files \(size and stored hash\): no differences\./,
  );

  const otherPrefix = await cli('verify', { prefix: 'elsewhere' });
  assert.equal(otherPrefix.code, 2);
  assert.match(otherPrefix.stderr, /--prefix was "backup" and is now "elsewhere"/);

  await bed.s3
    .client()
    .send(new DeleteObjectCommand({ Bucket: bed.s3.bucket, Key: `${PREFIX}/Docs/a.txt` }));
  const text = await cli('verify', { deep: true });
  assert.equal(text.code, 1, text.stderr);
  assert.equal(text.stdout, `missing\t/Docs/a.txt\t${PREFIX}/Docs/a.txt\tno object at this key\n`);
  assert.match(text.stderr, /1 differs\.\n.*\nRun verify again with --requeue/);

  const requeue = await cli('verify', { requeue: true, json: true });
  assert.equal(requeue.code, 1);
  const parsed = JSON.parse(requeue.stdout) as { requeued: number; differences: unknown[] };
  assert.equal(parsed.requeued, 1);
  assert.deepEqual(parsed.differences, [
    {
      path: '/Docs/a.txt',
      key: `${PREFIX}/Docs/a.txt`,
      reason: 'missing',
      detail: 'no object at this key',
    },
  ]);
  assert.equal((await cli('migrate')).code, 0);
  const repaired = await cli('verify', { deep: true });
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.equal(repaired.stdout, '');
});
