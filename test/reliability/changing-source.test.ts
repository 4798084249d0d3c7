import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SILENT } from '../../src/engine/progress.ts';
import {
  filesOnDisk,
  listKeys,
  makeAccount,
  objectBytes,
  readLedger,
  seeded,
  sha256,
  startCli,
} from '../support/reliability.ts';
import { byProfile, PROFILE, reportFigures } from '../support/profile.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';

const PREFIX = 'backup';
const SHAPE = byProfile(
  { files: 120, batch: 30, rounds: 4, each: 3 },
  { files: 1500, batch: 200, rounds: 10, each: 12 },
);

/** What the test did to the source, and every version each path ever had. */
interface Changes {
  added: number;
  modified: number;
  moved: string[];
  deleted: string[];
  /** SHA-256 of every content a path held, so a kept object can be matched to one of them. */
  versions: Map<string, Set<string>>;
}

function remember(changes: Changes, path: string, bytes: Uint8Array): void {
  const set = changes.versions.get(path) ?? new Set<string>();
  set.add(sha256(bytes));
  changes.versions.set(path, set);
}

/**
 * One round of changes to the account on disk: `each` files added, modified, moved and deleted.
 * Deletions and moves pick from `listed` (files a chunk has listed), so every deletion is one
 * Dropbox reports to a later delta, not a file that came and went between two listings.
 */
async function changeRound(
  bed: Testbed,
  round: string,
  listed: ReadonlySet<string>,
  changes: Changes,
  random: () => number,
  migrated: ReadonlySet<string> = new Set(),
): Promise<void> {
  const onDisk = await filesOnDisk(bed.root);
  const candidates = onDisk.filter((path) => listed.has(path));
  // Files listed but not migrated yet first: mid-chunk, some of them are in this chunk's batch,
  // so they change or vanish between the listing and their download.
  const waiting = candidates.filter((path) => !migrated.has(`/${path}`.toLowerCase()));
  const pick = (): string | undefined => {
    const from = waiting.length > 0 ? waiting : candidates;
    if (from.length === 0) return undefined;
    const [path] = from.splice(Math.floor(random() * from.length), 1);
    for (const list of [waiting, candidates]) {
      const at = list.indexOf(path ?? '');
      if (at !== -1) list.splice(at, 1);
    }
    return path;
  };
  const write = async (path: string, size: number): Promise<void> => {
    const bytes = randomBytes(size);
    await mkdir(dirname(join(bed.root, path)), { recursive: true });
    await writeFile(join(bed.root, path), bytes);
    remember(changes, path, bytes);
  };
  for (let i = 0; i < SHAPE.each; i += 1) {
    await write(`Added/${round}-${String(i)}.bin`, Math.floor(random() * 200_000));
    changes.added += 1;
    const modified = pick();
    if (modified !== undefined) {
      await write(modified, Math.floor(random() * 200_000));
      changes.modified += 1;
    }
    const moved = pick();
    if (moved !== undefined) {
      const to = `Moved/${round}-${String(i)}-${moved.split('/').at(-1) ?? ''}`;
      await mkdir(join(bed.root, 'Moved'), { recursive: true });
      await rename(join(bed.root, moved), join(bed.root, to));
      remember(changes, to, await readFile(join(bed.root, to)));
      changes.moved.push(moved);
    }
    const deleted = pick();
    if (deleted !== undefined) {
      await rm(join(bed.root, deleted));
      changes.deleted.push(deleted);
    }
  }
}

test(`changing source (${PROFILE} profile): files added, modified, moved and deleted between and during chunks`, async (t) => {
  const started = Date.now();
  const bed = await startTestbed({ faults: { latencyMs: 3 } });
  t.after(() => bed.close());
  const initial = await makeAccount(bed.root, { small: SHAPE.files, smallMax: 100_000, seed: 51 });
  const changes: Changes = { added: 0, modified: 0, moved: [], deleted: [], versions: new Map() };
  for (const path of initial) remember(changes, path, await readFile(join(bed.root, path)));
  const random = seeded(Number(process.env.CHANGE_SEED ?? 19));
  const flags = { prefix: PREFIX, 'batch-size': String(SHAPE.batch) };
  const listed = new Set<string>();
  /** Lower-cased Dropbox paths of the files migrated so far, as the chunks reported them. */
  const migrated = new Set<string>();

  let chunks = 0;
  let retried = 0;
  let failedInChunk = 0;
  for (let round = 0; round < SHAPE.rounds; round += 1) {
    // Whatever is on disk when a chunk starts is in that chunk's listing.
    for (const path of await filesOnDisk(bed.root)) listed.add(path);
    let during: Promise<void> | undefined;
    let finished = 0;
    const result = await bed.chunk(flags, {
      progress: {
        ...SILENT,
        finished: (outcome, path) => {
          if (outcome === 'retry') retried += 1;
          if (outcome === 'failed') failedInChunk += 1;
          if (outcome === 'migrated') migrated.add(path.toLowerCase());
          finished += 1;
          // Mid-chunk, after the listing: these changes reach the next chunk's delta.
          if (finished === Math.floor(SHAPE.batch / 3)) {
            during = changeRound(bed, `r${String(round)}during`, listed, changes, random, migrated);
          }
        },
      },
    });
    chunks += 1;
    await during;
    assert.equal(result.fatal, undefined, result.fatal?.message);
    await changeRound(bed, `r${String(round)}between`, listed, changes, random);
  }

  // The source stops changing: chunks run until the ledger says done.
  for (let more = 0; ; more += 1) {
    assert.ok(more < 20, 'not done 20 chunks after the source stopped changing');
    for (const path of await filesOnDisk(bed.root)) listed.add(path);
    const result = await bed.chunk(flags);
    chunks += 1;
    assert.equal(result.fatal, undefined, result.fatal?.message);
    if (result.done) break;
  }

  // Every file in the source now has its object, holding its current bytes.
  const client = bed.s3.client();
  const current = await filesOnDisk(bed.root);
  const keys = new Set(await listKeys(client, bed.s3.bucket));
  for (const path of current) {
    const key = `${PREFIX}/${path}`;
    assert.ok(keys.has(key), `missing ${key}`);
    const bytes = await objectBytes(client, bed.s3.bucket, key);
    assert.equal(sha256(bytes), sha256(await readFile(join(bed.root, path))), `corrupt ${key}`);
  }
  // Every other object is a deleted file's or a moved file's old key, kept (not deleted), holding
  // bytes that path really had.
  const gone = new Set([...changes.deleted, ...changes.moved]);
  const currentKeys = new Set(current.map((path) => `${PREFIX}/${path}`));
  let kept = 0;
  for (const key of keys) {
    if (currentKeys.has(key)) continue;
    const path = key.slice(PREFIX.length + 1);
    assert.ok(gone.has(path), `${key} is neither a source file nor a deleted or moved one`);
    const bytes = await objectBytes(client, bed.s3.bucket, key);
    assert.ok(changes.versions.get(path)?.has(sha256(bytes)), `${key} holds bytes it never had`);
    kept += 1;
  }
  const deletes = (await bed.s3.requests()).filter((request) => request.method === 'DELETE');
  assert.deepEqual(deletes, [], '--on-source-delete keep deletes nothing in S3');

  // The ledger: every current file migrated, nothing failed, every deletion recorded.
  const ledger = await readLedger(bed);
  const totals = ledger.totals();
  const live = [...ledger.records()].filter((record) => record.deletedAt === undefined);
  assert.deepEqual(
    live.map((record) => `${record.pathLower}:${record.status}`).sort(),
    current.map((path) => `/${path}:migrated`.toLowerCase()).sort(),
    'one migrated record for each file in the source',
  );
  assert.equal(totals.pending, 0);
  assert.equal(totals.failed, 0);
  const recordedDeletions = [...ledger.records()]
    .filter((record) => record.deletedAt !== undefined)
    .map((record) => record.pathLower)
    .sort();
  const expectedDeletions = changes.deleted.map((path) => `/${path}`.toLowerCase()).sort();
  assert.deepEqual(recordedDeletions, expectedDeletions, 'every deleted file is recorded, once');

  // status reports them (count and examples), as a person and as JSON.
  const status = await startCli(bed, ['status', '--json', ...flagsToArgs({ ledger: bed.ledger })])
    .exited;
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as {
    deletions: { count: number; examples: { path: string; object: string }[] };
  };
  assert.equal(report.deletions.count, changes.deleted.length);
  for (const example of report.deletions.examples) {
    assert.ok(['kept', 'never migrated'].includes(example.object), example.object);
  }

  await reportFigures(t, 'changing-source', `Changing source (${PROFILE} profile)`, {
    'files at the start': initial.length,
    'files at the end': current.length,
    added: changes.added,
    modified: changes.modified,
    moved: changes.moved.length,
    deleted: changes.deleted.length,
    'deletions reported by status': report.deletions.count,
    'objects kept for deleted or moved files': kept,
    'objects deleted in S3': 0,
    chunks,
    'transfers retried (the file changed after the listing)': retried,
    'transfers failed in a chunk (gone since the listing; settled by the next delta)':
      failedInChunk,
    'missing or corrupt objects': 0,
    'wall time (s)': ((Date.now() - started) / 1000).toFixed(1),
  });
});
