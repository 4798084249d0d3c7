import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rename } from 'node:fs/promises';
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
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';

const TREE = [
  'Photos/2024/Beach.JPG',
  'Photos/2024/thumbs/small.jpg',
  'Photos/2024/edit.TMP',
  'Photos/Private/secret.jpg',
  'Photos/Private/Deeper/more.jpg',
  'Docs/ReadMe.md',
  'Docs/Drafts/notes.tmp',
  'Docs/letter.txt',
  'Music/song.mp3',
  'top.md',
];

/** Folders in any case, an extension at any depth, a folder excluded inside an included one. */
const FILTERS = {
  include: ['PHOTOS/**', '*.md'],
  exclude: ['*.tmp', '/photos/PRIVATE'],
};
const EXPECTED = [
  'Photos/2024/Beach.JPG',
  'Photos/2024/thumbs/small.jpg',
  'Docs/ReadMe.md',
  'top.md',
];

function ledgerFlag(bed: Testbed, name: string): { ledger: string } {
  return { ledger: join(bed.ledger, name) };
}

async function ledgerOf(bed: Testbed, name: string): Promise<LedgerView> {
  const view = await LedgerView.inspect(join(bed.ledger, name, 'shard-0-of-1'));
  assert.ok(view !== undefined);
  return view;
}

test('--include and --exclude: folders, extensions at any depth, exclude wins, any case; left-out files are never recorded', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files = Object.fromEntries(TREE.map((path) => [path, bytesFor(path, 300)]));
  await writeTree(bed.root, files);

  const flags = { prefix: 'f', ...FILTERS, ...ledgerFlag(bed, 'recursive') };
  const [first] = await migrateAll(bed, flags);
  assert.ok(first !== undefined);
  assert.deepEqual(await listKeys(bed, 'f/'), sortedKeys(EXPECTED.map((path) => `f/${path}`)));
  for (const path of EXPECTED)
    assert.equal(sha(await objectBytes(bed, `f/${path}`)), sha(files[path] ?? Buffer.alloc(0)));
  // Applied before counting: the inventory and the ledger know only the included files.
  assert.equal(first.inventory?.added, EXPECTED.length);
  assert.equal(first.total.migrated, EXPECTED.length);
  const ledger = await ledgerOf(bed, 'recursive');
  assert.deepEqual(
    sortedKeys([...ledger.records()].map((record) => record.path.slice(1))),
    sortedKeys(EXPECTED),
  );
  // The excluded folder and what is in it are not recorded; the others are (for display case).
  const folders = [...ledger.folderPaths()].map(([lower]) => lower).sort();
  assert.deepEqual(folders, [
    '/docs',
    '/docs/drafts',
    '/music',
    '/photos',
    '/photos/2024',
    '/photos/2024/thumbs',
  ]);

  // Changes through the cursor are filtered the same way; a file moved out of the included
  // paths leaves the migration (recorded as deleted; its object stays).
  await writeTree(bed.root, {
    'Photos/2024/new.jpg': bytesFor('new'),
    'Photos/2024/new.tmp': bytesFor('new tmp'),
    'Music/new.mp3': bytesFor('new mp3'),
    'Photos/Private/new.jpg': bytesFor('private'),
  });
  await mkdir(join(bed.root, 'Music/Old'), { recursive: true });
  await rename(join(bed.root, 'top.md'), join(bed.root, 'Music/top.txt'));
  const delta = await bed.chunk(flags);
  assert.equal(delta.inventory?.fullListing, false);
  assert.equal(delta.inventory.added, 1);
  assert.equal(delta.inventory.deleted, 1);
  assert.equal(delta.chunk.migrated, 1);
  assert.equal(delta.total.migrated, EXPECTED.length + 1);
  assert.equal(delta.total.deleted, 1);
  assert.deepEqual(
    await listKeys(bed, 'f/'),
    sortedKeys([...EXPECTED, 'Photos/2024/new.jpg'].map((path) => `f/${path}`)),
  );
});

test('folder by folder, an excluded folder is not listed at all', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, Object.fromEntries(TREE.map((path) => [path, bytesFor(path)])));
  bed.dropbox.setFaults({ recursiveListMaxEntries: 2 });

  const listCalls = async (name: string, extra: Record<string, string[]>): Promise<number> => {
    bed.dropbox.resetStats();
    const [result] = await migrateAll(bed, { prefix: name, ...extra, ...ledgerFlag(bed, name) });
    assert.equal(result?.inventory?.fellBackToFolders, true);
    return bed.dropbox.stats().requests['files/list_folder'] ?? 0;
  };
  const all = await listCalls('all', {});
  const filtered = await listCalls('filtered', FILTERS);
  // Photos/Private and Photos/Private/Deeper are skipped.
  assert.equal(all - filtered, 2);
  assert.deepEqual(
    await listKeys(bed, 'filtered/'),
    sortedKeys(EXPECTED.map((path) => `filtered/${path}`)),
  );
});

test('filters are pinned: a change on an existing ledger is refused, naming --include', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Photos/a.jpg': bytesFor('a'), 'Docs/b.txt': bytesFor('b') });
  await migrateAll(bed, { include: ['Photos/**'] });
  // The same filters written differently are the same settings.
  const same = await bed.chunk({ include: ['/photos/**'] });
  assert.equal(same.fatal, undefined);

  await assert.rejects(bed.chunk({ include: ['Photos/**', 'Docs/**'] }), (error: Error) => {
    assert.match(
      error.message,
      /--include was "photos\/\*\*" and is now "photos\/\*\*, docs\/\*\*"/,
    );
    assert.match(error.message, /--reset-ledger/);
    return true;
  });
  await assert.rejects(
    bed.chunk({ include: ['Photos/**'], exclude: ['*.jpg'] }),
    /--exclude was "" and is now "\*\.jpg"/,
  );
  assert.deepEqual(await listKeys(bed), ['Photos/a.jpg']);
});

test('globs are matched below --source-path', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, Object.fromEntries(TREE.map((path) => [path, bytesFor(path)])));
  await migrateAll(bed, {
    'source-path': '/photos',
    prefix: 'p',
    include: ['/2024/*.jpg'],
    exclude: ['photos/**'],
  });
  // `photos/**` would be photos/photos/…: nothing below the source path is called that.
  assert.deepEqual(await listKeys(bed), ['p/2024/Beach.JPG']);
});

test('the CLI takes --include and --exclude repeated, and refuses a bad glob naming the flag', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files = Object.fromEntries(TREE.map((path) => [path, bytesFor(path)]));
  await writeTree(bed.root, files);

  const bad = await runCli(
    ['migrate', ...flagsToArgs(bed.flags({ include: ['Photos/**', 'Docs/[abc'] }))],
    bed.env(),
  );
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(
    bad.stderr,
    /--include "Docs\/\[abc" is not a valid glob: it has a \[ without its \]/,
  );

  const args = ['migrate', '--json', ...flagsToArgs(bed.flags({ prefix: 'cli', ...FILTERS }))];
  assert.equal(args.filter((arg) => arg === '--include').length, 2);
  assert.equal(args.filter((arg) => arg === '--exclude').length, 2);
  const run = await runCli(args, bed.env());
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(await listKeys(bed, 'cli/'), sortedKeys(EXPECTED.map((path) => `cli/${path}`)));
});
