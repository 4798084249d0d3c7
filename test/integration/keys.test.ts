import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LedgerView } from '../../src/ledger/ledger.ts';
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

const CASED = ['Photos/Summer/IMG.jpg', 'Photos/Summer/Beach/Sand.PNG', 'Docs/Read Me.txt'];

/** Each migration in these tests gets its own ledger, so one bucket can hold several. */
function ledgerFlag(bed: Testbed, name: string): { ledger: string } {
  return { ledger: join(bed.ledger, name) };
}

function bytesOfKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('hex');
}

test('display keys keep each folder’s own case when Dropbox lower-cases parents, also through deltas and folder-by-folder listing', async (t) => {
  const bed = await startTestbed({ displayCase: 'lower-parents' });
  t.after(() => bed.close());
  await writeTree(bed.root, Object.fromEntries(CASED.map((path) => [path, bytesFor(path)])));

  await migrateAll(bed, { prefix: 'display', ...ledgerFlag(bed, 'display') });
  assert.deepEqual(
    await listKeys(bed, 'display/'),
    sortedKeys(CASED.map((path) => `display/${path}`)),
  );

  // Changes arrive through the cursor: a new file in a known folder, a new folder.
  await writeTree(bed.root, {
    'Photos/Summer/Later.jpg': bytesFor('later'),
    'Photos/Autumn/Leaf.JPG': bytesFor('leaf'),
  });
  const delta = await bed.chunk({ prefix: 'display', ...ledgerFlag(bed, 'display') });
  assert.equal(delta.inventory?.fullListing, false);
  assert.equal(delta.chunk.migrated, 2);
  const keys = await listKeys(bed, 'display/');
  assert.ok(keys.includes('display/Photos/Summer/Later.jpg'), keys.join('\n'));
  assert.ok(keys.includes('display/Photos/Autumn/Leaf.JPG'), keys.join('\n'));
  for (const key of keys) assert.doesNotMatch(key, /photos\/|summer\//, key);

  // The same account listed folder by folder.
  bed.dropbox.setFaults({ recursiveListMaxEntries: 2 });
  const byFolder = await bed.chunk({ prefix: 'folders', ...ledgerFlag(bed, 'folders') });
  assert.equal(byFolder.inventory?.fellBackToFolders, true);
  assert.deepEqual(
    await listKeys(bed, 'folders/'),
    keys.map((key) => key.replace(/^display\//, 'folders/')),
  );
});

test('lower keys, prefixes with one slash, and keys relative to --source-path', async (t) => {
  const bed = await startTestbed({ displayCase: 'lower-parents' });
  t.after(() => bed.close());
  const files = Object.fromEntries(CASED.map((path) => [path, bytesFor(path)]));
  await writeTree(bed.root, files);

  await migrateAll(bed, { prefix: 'lower', 'key-case': 'lower', ...ledgerFlag(bed, 'lower') });
  assert.deepEqual(
    await listKeys(bed, 'lower/'),
    sortedKeys(CASED.map((path) => `lower/${path.toLowerCase()}`)),
  );

  await migrateAll(bed, { prefix: '/backup/2024/', ...ledgerFlag(bed, 'prefix') });
  assert.deepEqual(
    await listKeys(bed, 'backup/'),
    sortedKeys(CASED.map((path) => `backup/2024/${path}`)),
  );

  // The source path in another case than Dropbox shows it: keys are still relative to it.
  await migrateAll(bed, {
    prefix: 'sub',
    'source-path': '/photos',
    ...ledgerFlag(bed, 'source'),
  });
  assert.deepEqual(
    await listKeys(bed, 'sub/'),
    sortedKeys(['sub/Summer/IMG.jpg', 'sub/Summer/Beach/Sand.PNG']),
  );
  assert.equal(
    sha(await objectBytes(bed, 'sub/Summer/IMG.jpg')),
    sha(files['Photos/Summer/IMG.jpg'] ?? Buffer.alloc(0)),
  );

  // No prefix: the bare path, no leading slash.
  await migrateAll(bed, { 'source-path': '/Docs', ...ledgerFlag(bed, 'bare') });
  assert.ok((await listKeys(bed)).includes('Read Me.txt'));
});

test('unicode and URL-special names stay byte-exact in keys: NFC and NFD are different keys', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const names = [
    'Caf\u00e9/men\u00fc.txt', // NFC
    'Cafe\u0301/menu\u0308.txt', // NFD: the same text to a reader, other bytes
    '\u5199\u771f/\u30ac\u30a4\u30c9.md', // 写真/ガイド.md (NFC)
    '\u5199\u771f/\u30ab\u3099\u30a4\u30c8\u3099.md', // カ゛イト゛ (NFD dakuten)
    '\u{1F4F7} camera/\u{1F305}.png',
    'Stra\u00dfe/\u0130stanbul \u00c5.txt',
    'Signs/a+b %20 c?d#e&f=g ~ (1) [2] {3}.txt',
  ];
  const files = Object.fromEntries(names.map((path) => [path, bytesFor(path)]));
  await writeTree(bed.root, files);

  await migrateAll(bed, { prefix: 'u' });
  const keys = await listKeys(bed);
  assert.deepEqual(
    keys.map(bytesOfKey),
    sortedKeys(names.map((path) => `u/${path}`)).map(bytesOfKey),
  );
  for (const [path, data] of Object.entries(files)) {
    assert.equal(sha(await objectBytes(bed, `u/${path}`)), sha(data), path);
  }
});

test('a key over 1024 UTF-8 bytes is a permanent key_too_long failure; its siblings migrate', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  // Four folders of 200 bytes: 804 bytes of key before the file name.
  const folder = Array.from({ length: 4 }, (_, i) => `${String(i)}${'d'.repeat(199)}`).join('/');
  const fits = `${folder}/${'\u00e9'.repeat(110)}`; // 220 bytes of name: a key of exactly 1024
  const tooLong = `${fits}x`; // 1025 bytes, in 915 characters
  const sibling = `${folder}/short.txt`;
  const files = {
    [fits]: bytesFor('fits'),
    [tooLong]: bytesFor('too long'),
    [sibling]: bytesFor('sibling'),
    'top.txt': bytesFor('top'),
  };
  await writeTree(bed.root, files);
  assert.equal(Buffer.byteLength(fits), 1024);

  const results = await migrateAll(bed);
  assert.equal(results[0]?.inventory?.failed, 1, 'recorded by the inventory, once');
  assert.equal(results.at(0)?.chunk.failed, 1, 'and counted as a failure of that chunk');
  assert.equal(results.at(-1)?.total.failed, 1);
  assert.equal(results.at(-1)?.total.migrated, 3);
  assert.deepEqual(await listKeys(bed), sortedKeys([fits, sibling, 'top.txt']));

  const ledger = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  const record = [...(ledger?.records() ?? [])].find((r) => r.path === `/${tooLong}`);
  assert.equal(record?.status, 'failed');
  assert.equal(record.failure?.kind, 'permanent');
  assert.equal(record.failure.failureClass, 'key_too_long');
  assert.match(record.failure.reason, /1025 bytes of UTF-8; S3 allows at most 1024/);
  assert.match(record.failure.reason, /Shorten the path/);

  // A later chunk does not try it again.
  bed.dropbox.resetStats();
  const again = await bed.chunk();
  assert.equal(again.done, true);
  assert.equal(bed.dropbox.stats().requests['files/download'] ?? 0, 0);

  const text = await runCli(['status', '--ledger', bed.ledger], bed.env());
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Failures by class:\n {2}key_too_long: 1\n/);
  assert.ok(text.stdout.includes(`/${tooLong}: the S3 key for`), text.stdout);
  const json = await runCli(['status', '--ledger', bed.ledger, '--json'], bed.env());
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as {
    failures: {
      failureClass: string;
      count: number;
      examples: { path: string; reason: string }[];
    }[];
  };
  assert.deepEqual(
    parsed.failures.map((group) => [group.failureClass, group.count, group.examples[0]?.path]),
    [['key_too_long', 1, `/${tooLong}`]],
  );
});
