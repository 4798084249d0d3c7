import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk } from '../../src/engine/chunk.ts';
import { manifestKey } from '../../src/engine/manifest.ts';
import { fatal, retryable } from '../../src/errors.ts';
import { LedgerView } from '../../src/ledger/ledger.ts';
import { S3Target } from '../../src/s3/target.ts';
import {
  bytesFor,
  listKeys,
  migrateAll,
  objectBytes,
  runCli,
  sha,
  writeTree,
} from '../support/bucket.ts';
import { delegatingTarget } from '../support/reliability.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const TREE = {
  'Docs/Read Me.txt': bytesFor('readme', 300),
  'Fotos/Été/Plage 🏖.jpg': bytesFor('plage', 500),
  'Fotos/日本/東京.png': bytesFor('tokyo', 700),
  'top.bin': bytesFor('top', 50),
};

interface ManifestLine {
  [field: string]: unknown;
}

async function readManifest(bed: Testbed, key: string): Promise<ManifestLine[]> {
  const text = (await objectBytes(bed, key)).toString('utf8');
  assert.ok(text.endsWith('\n'), 'the manifest ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as ManifestLine);
}

async function ledgerOf(bed: Testbed, shard = 'shard-0-of-1'): Promise<LedgerView> {
  const ledger = await LedgerView.inspect(join(bed.ledger, shard));
  assert.ok(ledger, 'a ledger exists');
  return ledger;
}

async function head(bed: Testbed, key: string) {
  return bed.s3
    .client()
    .send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }))
    .catch(() => undefined);
}

test('the manifest lists every migrated file and empty folder, and follows later chunks', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, TREE);
  await mkdir(join(bed.root, 'Empty'));
  await mkdir(join(bed.root, 'Fotos/Leer ø'), { recursive: true });

  await migrateAll(bed, { prefix: 'backup' });
  const key = '_dropbox-to-s3/backup/manifest/shard-0-of-1.jsonl';
  assert.equal(manifestKey('_dropbox-to-s3/', 'backup', { index: 0, count: 1 }), key);
  const lines = await readManifest(bed, key);
  const [header, ...body] = lines;
  assert.equal(header?.manifest, 'dropbox-to-s3');
  assert.equal(header.format, 1);
  assert.equal(header.shard, '0/1');
  assert.equal(header.prefix, 'backup');
  assert.equal(header.bucket, bed.s3.bucket);
  assert.equal(header.files, 4);
  assert.equal(header.emptyFolders, 2);

  const ledger = await ledgerOf(bed);
  const files = body.filter((line) => 'path' in line);
  assert.equal(files.length, Object.keys(TREE).length);
  for (const [path, data] of Object.entries(TREE)) {
    const line = files.find((entry) => entry.path === `/${path}`);
    assert.ok(line, `${path} is in the manifest`);
    assert.equal(line.key, `backup/${path}`);
    assert.equal(line.size, data.length);
    const record = ledger.atPath(`/${path}`.toLowerCase());
    assert.ok(record);
    assert.equal(line.contentHash, record.contentHash);
    assert.equal(line.rev, record.rev);
    assert.equal(line.id, record.id);
    assert.equal(line.migratedAt, record.migratedAt);
    // The key really holds those bytes.
    assert.equal(sha(await objectBytes(bed, line.key)), sha(data));
  }
  const folders = body.filter((line) => 'folder' in line);
  assert.deepEqual(folders.map((line) => [line.folder, line.key, line.marker]).sort(), [
    ['/Empty', 'backup/Empty/', false],
    ['/Fotos/Leer ø', 'backup/Fotos/Leer ø/', false],
  ]);
  // Without --keep-empty-folders no marker objects are written.
  assert.equal(await head(bed, 'backup/Empty/'), undefined);

  // A chunk with nothing new leaves the manifest as it was (not rewritten).
  const quiet = await bed.chunk({ prefix: 'backup' });
  assert.equal(quiet.upkeep?.manifest?.written, false);
  assert.deepEqual(await readManifest(bed, key), lines);

  // A file added later, also into the folder that was empty: listed, and the folder no longer.
  await writeTree(bed.root, { 'Empty/later.txt': bytesFor('later', 120) });
  const next = await bed.chunk({ prefix: 'backup' });
  assert.equal(next.chunk.migrated, 1);
  assert.equal(next.upkeep?.manifest?.written, true);
  const after = await readManifest(bed, key);
  assert.equal(after[0]?.files, 5);
  assert.ok(after.some((line) => line.path === '/Empty/later.txt' && line.size === 120));
  assert.deepEqual(
    after.filter((line) => 'folder' in line).map((line) => line.folder),
    ['/Fotos/Leer ø'],
  );
});

test('migrations with other prefixes and shards keep their own manifests; reconcile ignores them', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, TREE);
  await mkdir(join(bed.root, 'Empty'));
  await migrateAll(bed, { ledger: join(bed.ledger, 'root') });
  await migrateAll(bed, { prefix: 'copy', ledger: join(bed.ledger, 'copy') });
  for (const shard of ['0/2', '1/2']) {
    await migrateAll(bed, { prefix: 'sharded', shard, ledger: join(bed.ledger, 'sharded') });
  }
  const manifests = await listKeys(bed, '_dropbox-to-s3/');
  assert.deepEqual(manifests, [
    '_dropbox-to-s3/copy/manifest/shard-0-of-1.jsonl',
    '_dropbox-to-s3/manifest/shard-0-of-1.jsonl',
    '_dropbox-to-s3/sharded/manifest/shard-0-of-2.jsonl',
    '_dropbox-to-s3/sharded/manifest/shard-1-of-2.jsonl',
  ]);
  const shard0 = await readManifest(bed, manifests[2] ?? '');
  const shard1 = await readManifest(bed, manifests[3] ?? '');
  // Every file is in exactly one shard's manifest; the empty folder only in shard 0's.
  const paths = [...shard0, ...shard1].filter((line) => 'path' in line).map((line) => line.path);
  assert.deepEqual(
    paths.sort(),
    Object.keys(TREE)
      .map((path) => `/${path}`)
      .sort(),
  );
  assert.deepEqual(
    shard0.filter((line) => 'folder' in line).map((line) => line.folder),
    ['/Empty'],
  );
  assert.equal(shard1.filter((line) => 'folder' in line).length, 0);

  // A rebuilt ledger with an empty prefix lists the whole bucket, manifests included: they are
  // never taken for migrated files.
  const rebuilt = await bed.chunk({ ledger: join(bed.ledger, 'root'), 'reset-ledger': true });
  assert.equal(rebuilt.reconciled?.confirmed, Object.keys(TREE).length);
  assert.equal(rebuilt.chunk.migrated, 0);
});

test('--keep-empty-folders writes each empty folder as a zero-byte key/ object, once', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Full/a.txt': bytesFor('a'), 'Full/Sub/b.txt': bytesFor('b') });
  await mkdir(join(bed.root, 'Empty'));
  await mkdir(join(bed.root, 'Outer/Inner ü'), { recursive: true });
  await mkdir(join(bed.root, 'Full/Nothing'));

  const [first] = await migrateAll(bed, { prefix: 'p', 'keep-empty-folders': true });
  assert.equal(first?.upkeep?.markers, 3);
  for (const key of ['p/Empty/', 'p/Outer/Inner ü/', 'p/Full/Nothing/']) {
    const object = await head(bed, key);
    assert.ok(object, `${key} exists`);
    assert.equal(object.ContentLength, 0);
    assert.equal(object.ContentType, 'application/x-directory');
  }
  // Folders with something below them get no marker (Outer holds only a folder).
  const keys = await listKeys(bed, 'p/');
  assert.ok(!keys.includes('p/Outer/'), keys.join('\n'));
  assert.ok(!keys.includes('p/Full/'), keys.join('\n'));
  const manifest = await readManifest(bed, '_dropbox-to-s3/p/manifest/shard-0-of-1.jsonl');
  assert.ok(manifest.some((line) => line.folder === '/Empty' && line.marker === true));

  const again = await bed.chunk({ prefix: 'p', 'keep-empty-folders': true });
  assert.equal(again.upkeep?.markers, 0, 'markers are written once');
});

test('with several shards, a folder holding only another shard’s file is not empty', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 16; i += 1) files[`Folder ${String(i)}/only.txt`] = bytesFor(String(i));
  await writeTree(bed.root, files);
  await mkdir(join(bed.root, 'Hollow'));
  const flags = { prefix: 's', 'keep-empty-folders': true };
  await migrateAll(bed, { ...flags, shard: '0/2' });
  await migrateAll(bed, { ...flags, shard: '1/2' });
  const markers = (await listKeys(bed, 's/')).filter((key) => key.endsWith('/'));
  assert.deepEqual(markers, ['s/Hollow/']);

  // Another shard's file deleted in Dropbox: its folder is empty now, for shard 0 too.
  const ledger1 = await ledgerOf(bed, 'shard-1-of-2');
  const other = [...ledger1.records()][0];
  assert.ok(other);
  await rm(join(bed.root, other.path.slice(1)));
  await bed.chunk({ ...flags, shard: '0/2' });
  const folder = other.path.slice(0, other.path.lastIndexOf('/'));
  assert.ok(await head(bed, `s${folder}/`), `${folder} got its marker`);
});

test('a Dropbox folder named like the tool prefix, with no --prefix, fails as reserved_key', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, {
    '_dropbox-to-s3/manifest/shard-0-of-1.jsonl': bytesFor('impostor'),
    '_dropbox-to-s3/notes.txt': bytesFor('notes'),
    'fine.txt': bytesFor('fine'),
  });
  const [result] = await migrateAll(bed);
  assert.equal(result?.chunk.failed, 2);
  const ledger = await ledgerOf(bed);
  for (const path of ['/_dropbox-to-s3/manifest/shard-0-of-1.jsonl', '/_dropbox-to-s3/notes.txt']) {
    const record = ledger.atPath(path);
    assert.equal(record?.status, 'failed', path);
    assert.equal(record.failure?.kind, 'permanent');
    assert.equal(record.failure.failureClass, 'reserved_key');
    assert.match(record.failure.reason, /--prefix/);
  }
  // The manifest at that key is the tool's, not the Dropbox file.
  const manifest = await readManifest(bed, '_dropbox-to-s3/manifest/shard-0-of-1.jsonl');
  assert.equal(manifest[0]?.manifest, 'dropbox-to-s3');
  assert.deepEqual(
    manifest.filter((line) => 'path' in line).map((line) => line.path),
    ['/fine.txt'],
  );
  // With a prefix the same folder is just data.
  const [prefixed] = await migrateAll(bed, { prefix: 'data', ledger: join(bed.ledger, 'p') });
  assert.equal(prefixed?.chunk.failed, 0);
  assert.ok(await head(bed, 'data/_dropbox-to-s3/notes.txt'));
});

test('--on-source-delete delete removes only objects this tool wrote for the deleted files', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, {
    'keep.txt': bytesFor('keep'),
    'gone.txt': bytesFor('gone'),
    'replaced.txt': bytesFor('replaced'),
    'Old/moved.txt': bytesFor('moved'),
    'Dir/a.txt': bytesFor('dir-a'),
  });
  await mkdir(join(bed.root, 'Hollow'));
  const flags = { prefix: 'd', 'on-source-delete': 'delete', 'keep-empty-folders': true };
  await migrateAll(bed, flags);
  assert.ok(await head(bed, 'd/Hollow/'), 'the empty folder has its marker');
  const client = bed.s3.client();
  // An object the tool did not write, and one it wrote but someone then replaced.
  await client.send(
    new PutObjectCommand({ Bucket: bed.s3.bucket, Key: 'd/foreign.txt', Body: 'not ours' }),
  );
  await client.send(
    new PutObjectCommand({
      Bucket: bed.s3.bucket,
      Key: 'd/replaced.txt',
      Body: 'someone else',
      Metadata: { 'dropbox-id': 'id:somebody-else' },
    }),
  );

  await rm(join(bed.root, 'gone.txt'));
  await rm(join(bed.root, 'replaced.txt'));
  await rm(join(bed.root, 'Dir'), { recursive: true });
  await rm(join(bed.root, 'Hollow'), { recursive: true });
  await mkdir(join(bed.root, 'New'));
  await rename(join(bed.root, 'Old/moved.txt'), join(bed.root, 'New/moved.txt'));

  const result = await bed.chunk(flags);
  assert.equal(result.fatal, undefined);
  assert.equal(result.chunk.migrated, 1, 'the moved file is copied to its new key');
  assert.equal(
    result.chunk.removed,
    4,
    'gone.txt, Dir/a.txt, the old key of moved.txt and the marker of Hollow',
  );
  const keys = await listKeys(bed, 'd/');
  // Old/ is empty now that its file moved out: it gets a marker.
  assert.deepEqual(keys, [
    'd/New/moved.txt',
    'd/Old/',
    'd/foreign.txt',
    'd/keep.txt',
    'd/replaced.txt',
  ]);
  assert.equal((await objectBytes(bed, 'd/replaced.txt')).toString(), 'someone else');
  assert.equal((await objectBytes(bed, 'd/foreign.txt')).toString(), 'not ours');

  const ledger = await ledgerOf(bed);
  const removed = [...ledger.records()].filter((record) => record.objectsRemoved !== undefined);
  assert.deepEqual(removed.map((record) => [record.path, record.objectsRemoved?.outcome]).sort(), [
    ['/Dir/a.txt', 'deleted'],
    ['/gone.txt', 'deleted'],
    ['/replaced.txt', 'not_ours'],
  ]);
  assert.equal(ledger.atPath('/new/moved.txt')?.staleKey, undefined);
  // The manifest lists what is left: keep.txt and the moved file at its new key.
  const manifest = await readManifest(bed, '_dropbox-to-s3/d/manifest/shard-0-of-1.jsonl');
  assert.deepEqual(
    manifest
      .filter((line) => 'path' in line)
      .map((line) => line.key)
      .sort(),
    ['d/New/moved.txt', 'd/keep.txt'],
  );

  // Dealt with once: the next chunk deletes nothing more.
  const again = await bed.chunk(flags);
  assert.equal(again.chunk.removed, 0);
  assert.deepEqual(await listKeys(bed, 'd/'), keys);

  const json = await runCli(
    ['status', ...flagsToArgs({ ledger: bed.ledger }), '--json'],
    bed.env(),
  );
  const status = JSON.parse(json.stdout) as {
    deletions: { count: number; examples: { path: string; object: string }[] };
  };
  assert.equal(status.deletions.count, 3);
  assert.deepEqual(status.deletions.examples.map(({ path, object }) => [path, object]).sort(), [
    ['/Dir/a.txt', 'deleted'],
    ['/gone.txt', 'deleted'],
    ['/replaced.txt', 'kept: someone else replaced it'],
  ]);
});

test('by default deleted files keep their objects, and status lists them', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'stay.txt': bytesFor('stay'), 'Trash/bye.txt': bytesFor('bye') });
  await migrateAll(bed, { prefix: 'k' });
  await rm(join(bed.root, 'Trash'), { recursive: true });
  const result = await bed.chunk({ prefix: 'k' });
  assert.equal(result.chunk.removed, 0);
  assert.deepEqual(await listKeys(bed, 'k/'), ['k/Trash/bye.txt', 'k/stay.txt']);
  // Still in S3, so still in the manifest, marked as deleted in Dropbox.
  const manifest = await readManifest(bed, '_dropbox-to-s3/k/manifest/shard-0-of-1.jsonl');
  const bye = manifest.find((line) => line.path === '/Trash/bye.txt');
  assert.ok(bye);
  assert.equal(typeof bye.deletedAt, 'string');

  const args = ['status', ...flagsToArgs({ ledger: bed.ledger })];
  const text = await runCli(args, bed.env());
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /deleted in Dropbox since listed: 1 \(their objects are kept\)/);
  assert.match(text.stdout, /\n {2}\/Trash\/bye\.txt \([^)]+\): object kept\n/);
  const json = await runCli([...args, '--json'], bed.env());
  const status = JSON.parse(json.stdout) as {
    deletions: { count: number; examples: { path: string; key: string; object: string }[] };
  };
  assert.equal(status.deletions.count, 1);
  assert.deepEqual(
    status.deletions.examples.map(({ path, key, object }) => ({ path, key, object })),
    [{ path: '/Trash/bye.txt', key: 'k/Trash/bye.txt', object: 'kept' }],
  );
});

test('putStream writes a stream of unknown length in parts, and an empty one as zero bytes', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const target = new S3Target(bed.config().s3, bed.s3.client());
  // 9 MiB in 64 KiB pieces: more than one 8 MiB part.
  const piece = (i: number): Buffer => Buffer.alloc(64 * 1024, i % 251);
  const pieces = Array.from({ length: 144 }, (_, i) => piece(i));
  await target.putStream('_dropbox-to-s3/big.jsonl', pieces, 'application/x-ndjson');
  const stored = await objectBytes(bed, '_dropbox-to-s3/big.jsonl');
  assert.equal(stored.length, 9 * 1024 * 1024);
  assert.equal(sha(stored), sha(Buffer.concat(pieces)));
  const object = await head(bed, '_dropbox-to-s3/big.jsonl');
  assert.match(object?.ETag ?? '', /-2"$/, 'stored in two parts');

  await target.putStream('x/', [], 'application/x-directory');
  assert.equal((await head(bed, 'x/'))?.ContentLength, 0);
  await target.delete('x/');
  await target.delete('x/');
  assert.equal(await head(bed, 'x/'), undefined, 'deleted; deleting again is no error');
});

test('a manifest that cannot be written is a note, not a failed chunk; a fatal error still stops', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, TREE);
  const config = bed.config({ prefix: 'w' });
  const inner = new S3Target(config.s3, bed.s3.client());
  const notes: string[] = [];
  const progress = {
    planned: () => undefined,
    bytes: () => undefined,
    finished: () => undefined,
    note: (line: string) => notes.push(line),
  };
  const failing = (error: Error) =>
    delegatingTarget(inner, {
      putStream: () => Promise.reject(error),
    });
  const run = (error: Error) =>
    runChunk(engineSettings(config), {
      source: new DropboxSource(config.dropbox),
      target: failing(error),
      progress,
    });

  const first = await run(retryable('server_error', 'writing the manifest: 503 Slow Down'));
  assert.equal(first.fatal, undefined);
  assert.equal(first.chunk.migrated, 4);
  assert.equal(first.done, true);
  assert.equal(first.upkeep?.manifest, undefined);
  assert.ok(
    notes.some((line) => /Could not write the manifest \(.*503 Slow Down\)/.test(line)),
    notes.join('\n'),
  );
  assert.deepEqual(await listKeys(bed, '_dropbox-to-s3/'), []);

  const second = await run(fatal('expired_aws_credentials', 'the AWS credentials expired'));
  assert.equal(second.fatal?.failureClass, 'expired_aws_credentials');
  assert.equal(second.chunk.stoppedBy, 'fatal');

  // The next chunk that can write it does, although no file changed.
  const third = await bed.chunk({ prefix: 'w' });
  assert.equal(third.upkeep?.manifest?.written, true);
  const manifest = await readManifest(bed, '_dropbox-to-s3/w/manifest/shard-0-of-1.jsonl');
  assert.equal(manifest[0]?.files, 4);
});
