import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3LedgerStore, ledgerStorePrefix } from '../../src/s3/ledger-store.ts';
import { listKeys, writeTree, bytesFor } from '../support/bucket.ts';
import { startTestbed } from '../support/testbed.ts';

test('the s3 ledger store keeps one whole generation and restores it over a stale folder', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'a.txt': bytesFor('a') });
  const result = await bed.chunk({ prefix: 'archive' });
  assert.equal(result.done, true);
  const config = bed.config({ prefix: 'archive' });
  const store = new S3LedgerStore(bed.s3.client(), config.s3, config.shard);
  const base = ledgerStorePrefix(config.s3.toolPrefix, 'archive', config.shard);
  assert.equal(base, '_dropbox-to-s3/archive/ledger/shard-0-of-1/');

  const empty = await mkdtemp(join(tmpdir(), 'ledger-none-'));
  assert.equal(await store.restore(empty), false, 'nothing saved yet is not an error');

  await store.save(config.ledgerDir, 'main');
  await store.save(config.ledgerDir, 'post');
  const keys = await listKeys(bed, base);
  const generations = new Set(
    keys
      .filter((key) => !key.endsWith('current.json'))
      .map((key) => key.slice(base.length).split('/')[0]),
  );
  assert.equal(generations.size, 1, keys.join('\n'));
  assert.match([...generations][0] ?? '', /-post-/);

  const target = await mkdtemp(join(tmpdir(), 'ledger-restore-'));
  await writeFile(join(target, 'journal.jsonl'), '{"stale":true}\n');
  await writeFile(join(target, 'lock'), '1\n');
  assert.equal(await store.restore(target), true);
  assert.equal(
    await readFile(join(target, 'snapshot.jsonl'), 'utf8'),
    await readFile(join(config.ledgerDir, 'snapshot.jsonl'), 'utf8'),
  );
  const journal = await readFile(join(target, 'journal.jsonl'), 'utf8').catch(() => '');
  assert.ok(!journal.includes('stale'), 'the stale journal is gone');
});
