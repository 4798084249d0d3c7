import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RawSettings } from '../../src/config/config.ts';
import { classifyDropboxError } from '../../src/dropbox/errors.ts';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { MigrationError } from '../../src/errors.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import { S3Target } from '../../src/s3/target.ts';
import { bytesFor, listKeys, objectBytes, sha, writeTree } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

/** One chunk with the product's own source and target, hearing the source's notes. */
async function chunkWithNotes(
  bed: Testbed,
  extra: RawSettings,
): Promise<{ result: ChunkResult; notes: string[] }> {
  const notes: string[] = [];
  const config = bed.config(extra);
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox, { note: (line) => notes.push(line) }),
    target: new S3Target(config.s3, bed.s3.client()),
  });
  return { result, notes };
}

const TEAM_FILES = {
  'Alice/notes.txt': bytesFor('notes', 300),
  'Alice/Drafts/idea.md': bytesFor('idea', 120),
  'Team Projects/plan.txt': bytesFor('plan', 500),
};

test('without --team-root only the home folder migrates; with it the whole team space, and the delta works under the root', async (t) => {
  const bed = await startTestbed({ teamHome: 'Alice' });
  t.after(() => bed.close());
  await writeTree(bed.root, TEAM_FILES);

  const home = await chunkWithNotes(bed, { prefix: 'home' });
  assert.equal(home.result.fatal, undefined);
  assert.deepEqual(await listKeys(bed, 'home/'), ['home/Drafts/idea.md', 'home/notes.txt']);
  assert.deepEqual(home.notes, []);

  // Another migration of the same account: --team-root is pinned, so it has its own ledger.
  const team = { prefix: 'team', 'team-root': true, ledger: join(bed.ledger, '..', 'team-ledger') };
  const first = await chunkWithNotes(bed, team);
  assert.equal(first.result.fatal, undefined);
  assert.ok(first.result.done);
  assert.deepEqual(await listKeys(bed, 'team/'), [
    'team/Alice/Drafts/idea.md',
    'team/Alice/notes.txt',
    'team/Team Projects/plan.txt',
  ]);
  for (const [path, data] of Object.entries(TEAM_FILES)) {
    assert.equal(sha(await objectBytes(bed, `team/${path}`)), sha(data), path);
  }
  assert.equal(first.notes.length, 1);
  assert.match(
    first.notes[0] ?? '',
    /team space, root namespace 7481925360 \(your home folder is \/Alice\)/,
  );

  // The next chunk continues the cursor it saved under the root: only the changes, no new listing.
  const later = {
    'Team Projects/budget.csv': bytesFor('budget', 80),
    'Alice/todo.txt': bytesFor('todo'),
  };
  await writeTree(bed.root, later);
  bed.dropbox.resetStats();
  const second = await chunkWithNotes(bed, team);
  assert.equal(second.result.fatal, undefined);
  assert.equal(second.result.chunk.migrated, 2);
  const requests = bed.dropbox.stats().requests;
  assert.equal(requests['files/list_folder'], undefined, 'a reset cursor would list again');
  assert.ok((requests['files/list_folder/continue'] ?? 0) >= 1);
  for (const [path, data] of Object.entries(later)) {
    assert.equal(sha(await objectBytes(bed, `team/${path}`)), sha(data), path);
  }
});

test('--team-root on an account without a team space says so and migrates the home folder', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'notes.txt': bytesFor('notes'), 'Docs/a.txt': bytesFor('a') });
  const { result, notes } = await chunkWithNotes(bed, { 'team-root': true });
  assert.equal(result.fatal, undefined);
  assert.ok(result.done);
  assert.deepEqual(await listKeys(bed), ['Docs/a.txt', 'notes.txt']);
  assert.equal(notes.length, 1);
  assert.match(notes[0] ?? '', /no team space/);
});

test('Dropbox refusing the path root (422) stops the chunk with what to do', () => {
  const changed = classifyDropboxError(
    {
      status: 422,
      headers: undefined,
      body: { error_summary: 'invalid_root/..', error: { '.tag': 'invalid_root' } },
    },
    'listing /',
  );
  assert.ok(changed instanceof MigrationError);
  assert.equal(changed.kind, 'fatal');
  assert.equal(changed.failureClass, 'invalid_path_root');
  assert.match(changed.message, /changed teams/);
  const denied = classifyDropboxError(
    {
      status: 422,
      headers: undefined,
      body: { error_summary: 'no_permission/..', error: { '.tag': 'no_permission' } },
    },
    'listing /',
  );
  assert.ok(denied instanceof MigrationError);
  assert.equal(denied.kind, 'fatal');
  assert.match(denied.message, /--team-root/);
});
