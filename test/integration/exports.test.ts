import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { LedgerView } from '../../src/ledger/ledger.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import { contentHashOfBytes } from '../emulators/dropbox/content-hash.ts';
import { DEFAULT_EXPORT_FORMATS } from '../emulators/dropbox/index.ts';
import { bytesFor, listKeys, migrateAll, objectBytes, writeTree } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const PLAN = Buffer.from('# Plan\n\n- ship exports\n- verify them\n');
const BUDGET = bytesFor('budget', 300);

/** What the emulator's `files/export` sends: the document's bytes after a header naming the format. */
function exportOf(doc: Buffer, format: string): Buffer {
  return Buffer.concat([Buffer.from(`[exported as ${format}]\n`), doc]);
}

async function headMetadata(bed: Testbed, key: string): Promise<Record<string, string>> {
  const head = await bed.s3
    .client()
    .send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  return head.Metadata ?? {};
}

async function recordAt(bed: Testbed, pathLower: string): Promise<FileRecord> {
  const view = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  const record = view?.atPath(pathLower);
  assert.ok(record !== undefined, `no ledger record for ${pathLower}`);
  return record;
}

function exportsServed(bed: Testbed): number {
  return bed.dropbox.stats().requests['files/export'] ?? 0;
}

test('a Paper doc arrives as .paper.md and a Google Sheet as .gsheet.xlsx, each verified against its export_hash; a lost ledger does not export them again', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, {
    'Docs/Plan.paper': PLAN,
    'Docs/Budget.gsheet': BUDGET,
    'Docs/notes.txt': bytesFor('notes'),
  });

  const [result] = await migrateAll(bed, { prefix: 'backup' });
  assert.equal(result?.chunk.migrated, 3);
  assert.equal(result.chunk.exports, 2);
  assert.equal(result.chunk.failed, 0);
  assert.equal(result.total.exports, 2);
  assert.deepEqual(await listKeys(bed), [
    'backup/Docs/Budget.gsheet.xlsx',
    'backup/Docs/Plan.paper.md',
    'backup/Docs/notes.txt',
  ]);

  const cases = [
    ['Docs/Plan.paper', 'markdown', 'md', exportOf(PLAN, 'markdown')],
    ['Docs/Budget.gsheet', 'xlsx', 'xlsx', exportOf(BUDGET, 'xlsx')],
  ] as const;
  for (const [path, format, extension, expected] of cases) {
    const key = `backup/${path}.${extension}`;
    assert.deepEqual(await objectBytes(bed, key), expected, key);
    const metadata = await headMetadata(bed, key);
    // The export's hash and size, not the listing's (which describe no export).
    assert.equal(metadata['dropbox-content-hash'], contentHashOfBytes(expected), key);
    assert.equal(metadata['dropbox-size'], String(expected.length), key);
    assert.equal(metadata['dropbox-export-format'], format, key);
    const record = await recordAt(bed, `/${path.toLowerCase()}`);
    assert.equal(record.status, 'migrated');
    assert.equal(record.exportFormat, format);
    assert.equal(record.key, key);
    assert.equal(record.size, expected.length);
    assert.equal(record.contentHash, contentHashOfBytes(expected));
  }
  const plain = await headMetadata(bed, 'backup/Docs/notes.txt');
  assert.equal(plain['dropbox-export-format'], undefined);

  // The ledger is lost: the exports are confirmed by rev and format in their metadata.
  const before = exportsServed(bed);
  const rebuilt = await bed.chunk({ prefix: 'backup', 'reset-ledger': true });
  assert.equal(rebuilt.reconciled?.confirmed, 3);
  assert.equal(rebuilt.chunk.migrated, 0);
  assert.equal(exportsServed(bed), before);
  assert.equal(rebuilt.total.exports, 2);
  assert.equal(rebuilt.total.migrated, 3);
});

test('--export-format html gives .paper.html; a Sheet, which has no html, keeps its own format', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Plan.paper': PLAN, 'Budget.gsheet': BUDGET });

  const [result] = await migrateAll(bed, { 'export-format': 'html' });
  assert.equal(result?.chunk.exports, 2);
  assert.deepEqual(await listKeys(bed), ['Budget.gsheet.xlsx', 'Plan.paper.html']);
  const html = exportOf(PLAN, 'html');
  assert.deepEqual(await objectBytes(bed, 'Plan.paper.html'), html);
  const metadata = await headMetadata(bed, 'Plan.paper.html');
  assert.equal(metadata['dropbox-content-hash'], contentHashOfBytes(html));
  assert.equal(metadata['dropbox-export-format'], 'html');
  assert.deepEqual(await objectBytes(bed, 'Budget.gsheet.xlsx'), exportOf(BUDGET, 'xlsx'));
});

test('--exports skip leaves documents out without failing them, and says so', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, {
    'Plan.paper': PLAN,
    'Budget.gsheet': BUDGET,
    'a.txt': bytesFor('a'),
  });
  const notes: string[] = [];
  const result = await bed.chunk(
    { exports: 'skip' },
    {
      progress: {
        planned: () => undefined,
        bytes: () => undefined,
        finished: () => undefined,
        note: (line) => notes.push(line),
      },
    },
  );
  assert.equal(result.fatal, undefined);
  assert.equal(result.done, true);
  assert.equal(result.inventory?.skippedExports, 2);
  assert.equal(result.chunk.failed, 0);
  assert.equal(result.chunk.exports, 0);
  assert.deepEqual(result.total, { ...result.total, migrated: 1, failed: 0, pending: 0 });
  assert.deepEqual(await listKeys(bed), ['a.txt']);
  assert.ok(
    notes.some((line) => /Left out 2 Paper or Google document\(s\) \(--exports skip\)/.test(line)),
    notes.join('\n'),
  );
  assert.equal(exportsServed(bed), 0);
});

test('an export whose key a real file has is a permanent failure naming both, whichever arrives first; the real file wins', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const realPlan = bytesFor('the real Plan.paper.md');
  const realNotes = bytesFor('the real Notes.paper.md');
  // Both in the first listing; a real file first, its document later; a document first, its
  // real file later.
  await writeTree(bed.root, {
    'Same/Plan.paper': PLAN,
    'Same/Plan.paper.md': realPlan,
    'Later/Notes.paper.md': realNotes,
    'Early/Idea.paper': PLAN,
  });
  const [first] = await migrateAll(bed);
  assert.equal(first?.chunk.failed, 1);
  assert.equal(first.chunk.exports, 1);

  await writeTree(bed.root, {
    'Later/Notes.paper': PLAN,
    'Early/Idea.paper.md': bytesFor('the real Idea.paper.md'),
  });
  const [delta] = await migrateAll(bed);
  assert.equal(delta?.inventory?.fullListing, false);
  // Idea.paper.md (real) is migrated; Notes.paper and Idea.paper fail in the inventory.
  assert.equal(delta.chunk.migrated, 1);
  assert.equal(delta.chunk.failed, 2);

  const cases = [
    ['/Same/Plan.paper', '/Same/Plan.paper.md', realPlan],
    ['/Later/Notes.paper', '/Later/Notes.paper.md', realNotes],
    ['/Early/Idea.paper', '/Early/Idea.paper.md', bytesFor('the real Idea.paper.md')],
  ] as const;
  for (const [document, real, bytes] of cases) {
    const record = await recordAt(bed, document.toLowerCase());
    assert.equal(record.status, 'failed', document);
    assert.equal(record.failure?.kind, 'permanent', document);
    assert.equal(record.failure.failureClass, 'key_collision', document);
    assert.ok(record.failure.reason.includes(document), record.failure.reason);
    assert.ok(record.failure.reason.includes(real), record.failure.reason);
    const key = real.slice(1);
    assert.deepEqual(await objectBytes(bed, key), bytes, key);
    assert.equal((await headMetadata(bed, key))['dropbox-export-format'], undefined, key);
    assert.equal((await recordAt(bed, real.toLowerCase())).status, 'migrated', real);
  }
  assert.deepEqual(await listKeys(bed), [
    'Early/Idea.paper.md',
    'Later/Notes.paper.md',
    'Same/Plan.paper.md',
  ]);
});

test('an export damaged in transit never becomes an object: a retryable hash_mismatch, stored once the bytes are right', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Plan.paper': PLAN });
  bed.dropbox.setFaults({ corruptExports: true });

  const damaged = await bed.chunk();
  assert.equal(damaged.fatal, undefined);
  assert.equal(damaged.chunk.migrated, 0);
  assert.equal(damaged.total.pending, 1);
  assert.deepEqual(await listKeys(bed), []);
  const record = await recordAt(bed, '/plan.paper');
  assert.equal(record.status, 'pending');
  assert.equal(record.failure?.kind, 'retryable');
  assert.equal(record.failure.failureClass, 'hash_mismatch');
  assert.match(record.failure.reason, /export_hash .*nothing was stored/);
  assert.ok(record.attempts >= 1);

  bed.dropbox.setFaults({ corruptExports: false });
  const [healed] = await migrateAll(bed);
  assert.equal(healed?.chunk.exports, 1);
  assert.deepEqual(await objectBytes(bed, 'Plan.paper.md'), exportOf(PLAN, 'markdown'));
});

test('a document Dropbox offers only in a format without a known extension is a permanent failure naming it', async (t) => {
  const bed = await startTestbed({
    exportFormats: {
      ...DEFAULT_EXPORT_FORMATS,
      web: { exportAs: 'weblink', exportOptions: ['weblink'] },
    },
  });
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Site.web': bytesFor('site'), 'Plan.paper': PLAN });
  const [result] = await migrateAll(bed);
  assert.equal(result?.chunk.failed, 1);
  assert.equal(result.chunk.exports, 1);
  const record = await recordAt(bed, '/site.web');
  assert.equal(record.status, 'failed');
  assert.equal(record.failure?.failureClass, 'unsupported_file');
  assert.match(record.failure.reason, /\/Site\.web: .*"weblink".*--export-format/);
  assert.deepEqual(await listKeys(bed), ['Plan.paper.md']);
});

test('an object that is not an export already at the key (a real file of another shard) is kept; the export fails naming both', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Plan.paper': PLAN });
  const foreign = Buffer.from('written by another shard');
  await bed.s3
    .client()
    .send(new PutObjectCommand({ Bucket: bed.s3.bucket, Key: 'Plan.paper.md', Body: foreign }));

  const [result] = await migrateAll(bed);
  assert.equal(result?.chunk.failed, 1);
  assert.equal(result.chunk.exports, 0);
  assert.equal(exportsServed(bed), 0);
  assert.deepEqual(await objectBytes(bed, 'Plan.paper.md'), foreign);
  const record = await recordAt(bed, '/plan.paper');
  assert.equal(record.failure?.failureClass, 'key_collision');
  assert.match(record.failure.reason, /\/Plan\.paper: .*Plan\.paper\.md.*not an export/);
});

test('an export larger than one part is a permanent failure that says how to migrate it', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Big.paper': Buffer.alloc(8 * 1024 * 1024, 0x61) });
  const [result] = await migrateAll(bed, { 'part-size': '8MiB' });
  assert.equal(result?.chunk.failed, 1);
  assert.deepEqual(await listKeys(bed), []);
  const record = await recordAt(bed, '/big.paper');
  assert.equal(record.failure?.kind, 'permanent');
  assert.match(record.failure.reason, /more than one part .*raise --part-size/);
});

test('an export not ready yet or cut mid-body stays pending as retryable, and arrives later', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'Plan.paper': PLAN });
  // Each chunk tries a file three times; these faults outlast the default five attempts.
  const PATIENT = { 'max-attempts': '20' };

  bed.dropbox.setFaults({ exportsNotReady: true });
  const early = await bed.chunk(PATIENT);
  assert.equal(early.total.pending, 1);
  const notReady = await recordAt(bed, '/plan.paper');
  assert.equal(notReady.failure?.kind, 'retryable');
  assert.equal(notReady.failure.failureClass, 'export_not_ready');
  assert.match(notReady.failure.reason, /\/Plan\.paper as markdown: .*not prepared the export yet/);

  bed.dropbox.setFaults({ exportsNotReady: false, cutAfterBytes: 10 });
  const cut = await bed.chunk(PATIENT);
  assert.equal(cut.total.pending, 1);
  assert.equal((await recordAt(bed, '/plan.paper')).failure?.failureClass, 'network');
  assert.deepEqual(await listKeys(bed), []);

  bed.dropbox.setFaults({ cutAfterBytes: null });
  const [later] = await migrateAll(bed, PATIENT);
  assert.equal(later?.chunk.exports, 1);
  assert.deepEqual(await objectBytes(bed, 'Plan.paper.md'), exportOf(PLAN, 'markdown'));
});
