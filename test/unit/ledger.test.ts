import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.ts';
import { LedgerCorruptError } from '../../src/ledger/journal.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { SETTINGS, fileRecord } from '../support/records.ts';

/** A child process that writes records until it is killed (test/support/ledger-writer.ts). */
const LEDGER_WRITER = fileURLToPath(new URL('../support/ledger-writer.ts', import.meta.url));

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('records, cursor and chunks survive a reopen, from the journal and from a snapshot', async (t) => {
  const dir = await tempDir(t);
  const first = await Ledger.open(dir, SETTINGS);
  first.put(fileRecord(1));
  first.put(fileRecord(2));
  first.put(fileRecord(1, { status: 'migrated', migratedAt: '2026-11-25T11:00:00Z' }));
  first.setCursor({ cursor: 'AAA', complete: true });
  first.addChunk({
    startedAt: 'x',
    durationMs: 5,
    migrated: 1,
    failed: 0,
    bytes: 1,
    stoppedBy: 'done',
  });
  await first.close();

  const second = await Ledger.open(dir, SETTINGS);
  assert.equal(second.size, 2);
  assert.equal(second.get('id:00000001')?.status, 'migrated');
  assert.deepEqual(second.cursor, { cursor: 'AAA', complete: true });
  assert.equal(second.chunks.length, 1);
  assert.equal(second.journalLength, 6); // settings, 3 files, cursor, chunk
  await second.checkpoint();
  assert.equal((await readFile(join(dir, 'journal.jsonl'), 'utf8')).length, 0);
  second.put(fileRecord(3));
  await second.close();

  const third = await Ledger.open(dir, SETTINGS);
  assert.equal(third.size, 3);
  assert.equal(third.get('id:00000001')?.status, 'migrated');
  assert.deepEqual(third.totals(), {
    files: 3,
    pending: 2,
    migrated: 1,
    exports: 0,
    failed: 0,
    deleted: 0,
    bytesMigrated: 1,
    bytesPending: 5,
  });
  await third.close();
});

test('the path index follows moves and forgets deleted files', async (t) => {
  const dir = await tempDir(t);
  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(fileRecord(1));
  assert.equal(ledger.atPath('/folder/file-1.txt')?.id, 'id:00000001');
  ledger.put(fileRecord(1, { path: '/Other/moved.txt', pathLower: '/other/moved.txt' }));
  assert.equal(ledger.atPath('/folder/file-1.txt'), undefined);
  assert.equal(ledger.atPath('/other/moved.txt')?.id, 'id:00000001');
  ledger.put(
    fileRecord(1, {
      path: '/Other/moved.txt',
      pathLower: '/other/moved.txt',
      deletedAt: '2026-11-25T12:00:00Z',
    }),
  );
  assert.equal(ledger.atPath('/other/moved.txt'), undefined);
  assert.equal(ledger.totals().deleted, 1);
  await ledger.close();
});

test('a torn last line is ignored and cut off, and later entries land on a fresh line', async (t) => {
  const dir = await tempDir(t);
  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(fileRecord(1));
  await ledger.close();
  await appendFile(join(dir, 'journal.jsonl'), '{"t":"file","record":{"id":"id:half');

  const reopened = await Ledger.open(dir, SETTINGS);
  assert.equal(reopened.size, 1);
  reopened.put(fileRecord(2));
  await reopened.close();

  const again = await Ledger.open(dir, SETTINGS);
  assert.equal(again.size, 2);
  await again.close();
});

test('damage before the last line is an error that says what to do', async (t) => {
  const dir = await tempDir(t);
  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(fileRecord(1));
  await ledger.close();
  const journal = join(dir, 'journal.jsonl');
  const good = await readFile(journal, 'utf8');
  await writeFile(
    journal,
    `${good}garbage\n${JSON.stringify({ t: 'file', record: fileRecord(2) })}\n`,
  );
  await assert.rejects(Ledger.open(dir, SETTINGS), (error: unknown) => {
    assert.ok(error instanceof LedgerCorruptError);
    assert.match(error.message, /line 3/);
    assert.match(error.message, /rebuilt from what is already in S3/);
    return true;
  });
});

test('other pinned settings are refused, naming each difference, unless reset', async (t) => {
  const dir = await tempDir(t);
  const ledger = await Ledger.open(dir, SETTINGS);
  ledger.put(fileRecord(1));
  await ledger.close();

  const changed = { ...SETTINGS, prefix: 'elsewhere', keyCase: 'lower' };
  await assert.rejects(Ledger.open(dir, changed), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /--prefix was "dropbox" and is now "elsewhere"/);
    assert.match(error.message, /--key-case was "display" and is now "lower"/);
    assert.match(error.message, /--reset-ledger/);
    return true;
  });

  const reset = await Ledger.open(dir, changed, true);
  assert.equal(reset.size, 0);
  assert.equal(reset.settings.prefix, 'elsewhere');
  await reset.close();
});

test('a second live process cannot open the same ledger', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, [LEDGER_WRITER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The writer must be gone before the temporary directory is removed, or it races the removal.
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve) =>
      child.stdout.once('data', () => {
        resolve();
      }),
    );
    await assert.rejects(
      Ledger.open(dir, SETTINGS),
      /another run \(process \d+\) is using the ledger/,
    );
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

test('SIGKILL at any moment loses no acknowledged record', async (t) => {
  const dir = await tempDir(t);
  let acknowledged = -1;
  for (let round = 0; round < 5; round += 1) {
    const child = spawn(process.execPath, [LEDGER_WRITER, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
    });
    const target = acknowledged + 200 + Math.floor(Math.random() * 1500);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (acknowledged >= target) {
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const ledger = await Ledger.open(dir, SETTINGS);
    for (let n = 0; n <= acknowledged; n += 1) {
      assert.equal(ledger.get(fileRecord(n).id)?.status, 'migrated', `record ${String(n)}`);
    }
    await ledger.close();
  }
});
