// Delta orderings the emulator does not produce (it reports a folder deleted and made again at the
// same path as one change, and moves as deletion first), played by scripted changes. Dropbox
// documents no order between a deletion and the entries that replace it, so both are covered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/engine/clock.ts';
import { updateInventory, type InventoryResult } from '../../src/engine/inventory.ts';
import { WHOLE_ACCOUNT } from '../../src/engine/shard.ts';
import type { SourceEntry } from '../../src/engine/source.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { scriptedChanges } from '../support/memory-source.ts';
import { SETTINGS, fileRecord } from '../support/records.ts';
import { sourceDeleted, sourceFile, sourceFolder } from '../support/source-files.ts';
import { S3_LIMITS } from '../../src/s3/limits.ts';

/** A ledger after a finished first listing of /A/one.txt, /A/Sub/two.txt and /B/three.txt. */
async function ledgerWithAccount(dir: string): Promise<Ledger> {
  const ledger = await Ledger.open(dir, { ...SETTINGS, prefix: '' });
  ledger.setFolder('/a', '/A');
  ledger.setFolder('/a/sub', '/A/Sub');
  ledger.setFolder('/b', '/B');
  for (const [n, path] of [
    [1, '/A/one.txt'],
    [2, '/A/Sub/two.txt'],
    [3, '/B/three.txt'],
  ] as const) {
    ledger.put(
      fileRecord(n, {
        id: `id:${String(n)}`,
        path,
        pathLower: path.toLowerCase(),
        rev: 'r1',
        key: path.slice(1),
        status: 'migrated',
      }),
    );
  }
  ledger.setCursor({ cursor: 'c0', complete: true });
  return ledger;
}

async function withLedger(
  t: { after: (fn: () => Promise<void>) => void },
  pages: SourceEntry[][],
): Promise<{ ledger: Ledger; result: InventoryResult }> {
  const dir = await mkdtemp(join(tmpdir(), 'inventory-'));
  const ledger = await ledgerWithAccount(dir);
  t.after(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });
  const result = await updateInventory(
    ledger,
    scriptedChanges(pages),
    {
      sourcePath: '',
      prefix: '',
      keyCase: 'display',
      keyLimits: S3_LIMITS,
      shard: WHOLE_ACCOUNT,
      exports: { mode: 'export', format: undefined },
    },
    {
      clock: systemClock,
      signal: new AbortController().signal,
      now: () => '2026-02-02T00:00:00Z',
      log: () => undefined,
    },
  );
  return { ledger, result };
}

test('a folder deleted and made again in one page: old files deleted, new ones pending', async (t) => {
  const { ledger, result } = await withLedger(t, [
    [
      sourceDeleted('/A'),
      sourceFolder('/a'),
      sourceFile('/a/one.txt', { id: 'id:new', rev: 'r9' }),
    ],
  ]);
  assert.ok(ledger.get('id:1')?.deletedAt);
  assert.ok(ledger.get('id:2')?.deletedAt, 'a file two levels down is deleted too');
  assert.equal(ledger.get('id:3')?.deletedAt, undefined);
  const made = ledger.get('id:new');
  assert.equal(made?.status, 'pending');
  assert.equal(made.deletedAt, undefined);
  assert.equal(made.key, 'a/one.txt', 'the new folder’s own case');
  assert.equal(ledger.atPath('/a/one.txt')?.id, 'id:new');
  assert.equal(ledger.folderPath('/a'), '/a');
  assert.equal(ledger.folderPath('/a/sub'), undefined);
  assert.equal(result.deleted, 2);
  assert.equal(result.added, 1);
});

test('a moved folder is a move in either order of its entries, across pages', async (t) => {
  for (const pages of [
    [
      [sourceDeleted('/A')],
      [sourceFolder('/C'), sourceFile('/C/one.txt', { id: 'id:1' }), sourceFolder('/C/Sub')],
      [sourceFile('/C/Sub/two.txt', { id: 'id:2' })],
    ],
    [
      [
        sourceFolder('/C'),
        sourceFolder('/C/Sub'),
        sourceFile('/C/one.txt', { id: 'id:1' }),
        sourceFile('/C/Sub/two.txt', { id: 'id:2' }),
        sourceDeleted('/A'),
      ],
    ],
  ]) {
    const { ledger, result } = await withLedger(t, pages);
    for (const [id, key] of [
      ['id:1', 'C/one.txt'],
      ['id:2', 'C/Sub/two.txt'],
    ] as const) {
      const record = ledger.get(id);
      assert.ok(record, id);
      assert.equal(record.deletedAt, undefined, id);
      assert.equal(record.key, key);
      assert.equal(record.status, 'pending');
      assert.equal(record.migratedKey, `A${key.slice(1)}`, 'the old key is remembered');
    }
    assert.deepEqual(
      [result.moved, result.deleted, result.added, result.changed],
      [2, 0, 0, 0],
      JSON.stringify(pages.map((page) => page.map((entry) => entry.pathLower))),
    );
    assert.equal(ledger.folderPath('/a'), undefined);
    assert.equal(ledger.folderPath('/a/sub'), undefined);
    assert.equal(ledger.folderPath('/c/sub'), '/C/Sub');
  }
});
