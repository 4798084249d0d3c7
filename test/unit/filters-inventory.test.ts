// A move the emulator does not produce on its own: Dropbox may report a moved file only at its new
// path, without a deletion at the old one. Played by a scripted Source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/engine/clock.ts';
import { PathFilter } from '../../src/engine/filters.ts';
import { updateInventory } from '../../src/engine/inventory.ts';
import { WHOLE_ACCOUNT } from '../../src/engine/shard.ts';
import type { ListPage, Source, SourceEntry } from '../../src/engine/source.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { SETTINGS, fileRecord } from '../support/records.ts';
import { SHA256_BLOCKS } from '../../src/engine/content-hash.ts';
import { S3_LIMITS } from '../../src/s3/limits.ts';

function file(id: string, path: string): SourceEntry {
  return {
    kind: 'file',
    id,
    name: path.slice(path.lastIndexOf('/') + 1),
    pathLower: path.toLowerCase(),
    pathDisplay: path,
    rev: 'r1',
    size: 10,
    contentHash: 'h',
    serverModified: '2026-01-01T00:00:00Z',
    clientModified: '2026-01-01T00:00:00Z',
    downloadable: true,
  };
}

function oneDelta(entries: SourceEntry[]): Source {
  return {
    contentHash: SHA256_BLOCKS,
    list: () => Promise.reject(new Error('no full listing expected')),
    latestCursor: () => Promise.reject(new Error('no cursor expected')),
    open: () => Promise.reject(new Error('no download expected')),
    exportDocument: () => Promise.reject(new Error('no export expected')),
    listContinue: (): Promise<ListPage> =>
      Promise.resolve({ entries, cursor: 'c1', hasMore: false }),
  };
}

test('a migrated file moved to a left-out path leaves the migration: recorded as deleted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'filters-inventory-'));
  const ledger = await Ledger.open(dir, { ...SETTINGS, prefix: '', exclude: 'archive/' });
  t.after(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });
  ledger.setFolder('/docs', '/Docs');
  ledger.put(
    fileRecord(1, {
      id: 'id:1',
      path: '/Docs/a.txt',
      pathLower: '/docs/a.txt',
      key: 'Docs/a.txt',
      status: 'migrated',
    }),
  );
  ledger.setCursor({ cursor: 'c0', complete: true });

  const result = await updateInventory(
    ledger,
    oneDelta([
      {
        kind: 'folder',
        id: 'id:f',
        name: 'Archive',
        pathLower: '/archive',
        pathDisplay: '/Archive',
      },
      file('id:1', '/Archive/a.txt'),
      file('id:2', '/Archive/b.txt'),
      file('id:3', '/Docs/c.txt'),
    ]),
    {
      sourcePath: '',
      prefix: '',
      keyCase: 'display',
      keyLimits: S3_LIMITS,
      shard: WHOLE_ACCOUNT,
      filter: new PathFilter({ include: [], exclude: ['archive/'] }),
      exports: { mode: 'export', format: undefined },
    },
    {
      clock: systemClock,
      signal: new AbortController().signal,
      now: () => '2026-02-02T00:00:00Z',
      log: () => undefined,
    },
  );
  assert.equal(result.added, 1);
  assert.equal(result.deleted, 1);
  const moved = ledger.get('id:1');
  assert.equal(moved?.deletedAt, '2026-02-02T00:00:00Z');
  assert.equal(moved.path, '/Docs/a.txt', 'the record keeps the path it was migrated from');
  assert.equal(ledger.get('id:2'), undefined);
  assert.equal(ledger.get('id:3')?.status, 'pending');
  assert.equal(ledger.folderPath('/archive'), undefined);
});
