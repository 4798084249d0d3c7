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
import { Ledger } from '../../src/ledger/ledger.ts';
import { scriptedChanges } from '../support/memory-source.ts';
import { SETTINGS, fileRecord } from '../support/records.ts';
import { sourceFile, sourceFolder } from '../support/source-files.ts';
import { S3_LIMITS } from '../../src/s3/limits.ts';

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
    scriptedChanges([
      [
        sourceFolder('/Archive', { id: 'id:f' }),
        sourceFile('/Archive/a.txt', { id: 'id:1' }),
        sourceFile('/Archive/b.txt', { id: 'id:2' }),
        sourceFile('/Docs/c.txt', { id: 'id:3' }),
      ],
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
