// Contract: the real @actions/cache 6 (cache service v2, Azure SDK upload) against the Actions
// runtime emulator, in-process with the step environment each "run" would get on a runner.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as cache from '@actions/cache';
import {
  startActionsRuntime,
  type ActionsRuntime,
  type RunSpec,
} from '../emulators/github/runtime/index.ts';
import { withStepEnv } from '../support/step-env.ts';

let runtime: ActionsRuntime;
let workspace: string;
let ledgerDir: string;

before(async () => {
  runtime = await startActionsRuntime();
  workspace = runtime.env({ runId: 1 })['GITHUB_WORKSPACE'] ?? '';
  ledgerDir = join(workspace, 'ledger');
});

after(async () => {
  await runtime.close();
});

/** Writes the ledger folder as a step of `run` would, then saves it under `key`. */
async function save(run: RunSpec, key: string, content: string): Promise<number> {
  await rm(ledgerDir, { recursive: true, force: true });
  await mkdir(join(ledgerDir, 'journal'), { recursive: true });
  await writeFile(join(ledgerDir, 'state.json'), content);
  await writeFile(join(ledgerDir, 'journal', '0001.log'), `${content}\n`.repeat(50));
  return withStepEnv(runtime.env(run), () => cache.saveCache([ledgerDir], key));
}

/** Restores into an emptied workspace; returns the matched key and the restored content. */
async function restore(
  run: RunSpec,
  key: string,
  restoreKeys: string[],
  paths = [ledgerDir],
): Promise<{ matched: string | undefined; content: string | undefined }> {
  await rm(ledgerDir, { recursive: true, force: true });
  const matched = await withStepEnv(runtime.env(run), () =>
    cache.restoreCache(paths, key, restoreKeys),
  );
  const content = await readFile(join(ledgerDir, 'state.json'), 'utf8').catch(() => undefined);
  return { matched, content };
}

describe('@actions/cache 6 against the runtime emulator', () => {
  test('the toolkit sees the v2 service as available', async () => {
    await withStepEnv(runtime.env({ runId: 1 }), () => {
      assert.equal(cache.isFeatureAvailable(), true);
      return Promise.resolve();
    });
  });

  test('saves a folder and restores it by exact key', async () => {
    const id = await save({ runId: 1 }, 'ledger-shard-1-run1-1', 'run 1');
    assert.ok(id > 0, `saveCache returned ${id}`);
    const listed = runtime.state.listCaches().find((c) => c.key === 'ledger-shard-1-run1-1');
    assert.ok(listed);
    assert.equal(listed.id, id);
    assert.equal(listed.ref, 'refs/heads/main');
    assert.ok(listed.sizeBytes > 0);

    const restored = await restore({ runId: 2 }, 'ledger-shard-1-run1-1', []);
    assert.equal(restored.matched, 'ledger-shard-1-run1-1');
    assert.equal(restored.content, 'run 1');
    const journal = await readFile(join(ledgerDir, 'journal', '0001.log'), 'utf8');
    assert.equal(journal, 'run 1\n'.repeat(50));
  });

  test('a restore key prefix picks the newest entry, and shard-1- never matches shard-10-', async () => {
    assert.ok((await save({ runId: 3 }, 'ledger-shard-1-run3-1', 'run 3')) > 0);
    assert.ok((await save({ runId: 4 }, 'ledger-shard-10-run4-1', 'shard 10')) > 0);
    const restored = await restore({ runId: 5 }, 'ledger-shard-1-run5-1', ['ledger-shard-1-']);
    assert.equal(restored.matched, 'ledger-shard-1-run3-1');
    assert.equal(restored.content, 'run 3');
    const ten = await restore({ runId: 5 }, 'ledger-shard-10-run5-1', ['ledger-shard-10-']);
    assert.equal(ten.matched, 'ledger-shard-10-run4-1');
    assert.equal(ten.content, 'shard 10');
  });

  test('nothing matches: undefined, and the folder is not created', async () => {
    const restored = await restore({ runId: 6 }, 'ledger-shard-7-run6-1', ['ledger-shard-7-']);
    assert.equal(restored.matched, undefined);
    assert.equal(restored.content, undefined);
  });

  test('a duplicate key is refused: saveCache returns -1 and the first entry stays', async () => {
    const before = runtime.state.listCaches().filter((c) => c.key === 'ledger-shard-1-run3-1');
    const id = await save({ runId: 3, attempt: 2 }, 'ledger-shard-1-run3-1', 'overwrite attempt');
    assert.equal(id, -1);
    const afterwards = runtime.state.listCaches().filter((c) => c.key === 'ledger-shard-1-run3-1');
    assert.deepEqual(afterwards, before);
    const refused = runtime
      .requests()
      .filter((r) => r.service === 'CacheService/CreateCacheEntry' && r.status === 409);
    assert.equal(refused.length, 1);
    const restored = await restore({ runId: 7 }, 'ledger-shard-1-run3-1', []);
    assert.equal(restored.content, 'run 3');
  });

  test('a run with a read-only cache token restores but cannot save (-1)', async () => {
    const run: RunSpec = { runId: 17, cacheAccess: 'read' };
    assert.equal(await save(run, 'ledger-shard-1-run17-1', 'untrusted'), -1);
    assert.equal(
      runtime.state.listCaches().some((c) => c.key === 'ledger-shard-1-run17-1'),
      false,
    );
    const restored = await restore(run, 'ledger-shard-1-run17-1', ['ledger-shard-1-']);
    assert.equal(restored.matched, 'ledger-shard-1-run3-1');
  });

  test('the version hashes the path list: another path list misses', async () => {
    const restored = await restore(
      { runId: 8 },
      'ledger-shard-1-run3-1',
      ['ledger-shard-1-'],
      [ledgerDir, join(workspace, 'other')],
    );
    assert.equal(restored.matched, undefined);
  });

  test("another branch's entry is invisible; the default branch's is visible to every branch", async () => {
    const feature = 'refs/heads/feature';
    assert.ok((await save({ runId: 9, ref: feature }, 'ledger-shard-2-run9-1', 'feature')) > 0);
    assert.equal(
      runtime.state.listCaches().find((c) => c.key === 'ledger-shard-2-run9-1')?.ref,
      feature,
    );

    const onMain = await restore({ runId: 10 }, 'ledger-shard-2-run10-1', ['ledger-shard-2-']);
    assert.equal(onMain.matched, undefined);
    const onOther = await restore({ runId: 11, ref: 'refs/heads/other' }, 'x', ['ledger-shard-2-']);
    assert.equal(onOther.matched, undefined);
    const onFeature = await restore({ runId: 12, ref: feature }, 'ledger-shard-2-run12-1', [
      'ledger-shard-2-',
    ]);
    assert.equal(onFeature.matched, 'ledger-shard-2-run9-1');

    // The feature branch sees main's entries, and its own first.
    const fromMain = await restore({ runId: 12, ref: feature }, 'ledger-shard-1-run12-1', [
      'ledger-shard-1-',
    ]);
    assert.equal(fromMain.matched, 'ledger-shard-1-run3-1');
    assert.ok((await save({ runId: 13, ref: feature }, 'ledger-shard-1-run0-feature', 'own')) > 0);
    const own = await restore({ runId: 14, ref: feature }, 'ledger-shard-1-run14-1', [
      'ledger-shard-1-',
    ]);
    assert.equal(own.matched, 'ledger-shard-1-run0-feature');

    // The same key may exist once per scope.
    assert.ok(
      (await save({ runId: 15, ref: feature }, 'ledger-shard-1-run3-1', 'feature copy')) > 0,
    );
  });

  test('deleting through the shared state makes the next restore fall back to an older entry', async () => {
    const newest = runtime.state
      .listCaches()
      .find((c) => c.key === 'ledger-shard-1-run3-1' && c.ref === 'refs/heads/main');
    assert.ok(newest);
    assert.equal(runtime.state.deleteCache(newest.id), true);
    assert.equal(runtime.state.deleteCache(newest.id), false);
    const restored = await restore({ runId: 16 }, 'ledger-shard-1-run16-1', ['ledger-shard-1-']);
    assert.equal(restored.matched, 'ledger-shard-1-run1-1');
    assert.equal(restored.content, 'run 1');
  });
});

describe('cache service rules below the toolkit', () => {
  async function rpc(
    run: RunSpec,
    method: string,
    body: object,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(
      `${runtime.url}/twirp/github.actions.results.api.v1.CacheService/${method}`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${runtime.token(run)}`,
        },
        body: JSON.stringify(body),
      },
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  test('an entry is not restorable before FinalizeCacheEntryUpload, nor finalizable before upload', async () => {
    const created = await rpc({ runId: 20 }, 'CreateCacheEntry', {
      key: 'pending-1',
      version: 'v1',
    });
    assert.equal(created.status, 200);
    assert.equal(created.json['ok'], true);
    assert.match(String(created.json['signed_upload_url']), /sig=/);
    const lookup = await rpc({ runId: 21 }, 'GetCacheEntryDownloadURL', {
      key: 'pending-1',
      version: 'v1',
      restore_keys: ['pending-'],
    });
    assert.deepEqual(lookup.json, { ok: false });
    const finalize = await rpc({ runId: 20 }, 'FinalizeCacheEntryUpload', {
      key: 'pending-1',
      version: 'v1',
      size_bytes: '3',
    });
    assert.equal(finalize.json['ok'], false);
    const again = await rpc({ runId: 20 }, 'CreateCacheEntry', { key: 'pending-1', version: 'v1' });
    assert.equal(again.status, 409);
    assert.equal(again.json['code'], 'already_exists');
  });

  test('a missing or foreign token is refused', async () => {
    const response = await fetch(
      `${runtime.url}/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: 'k', version: 'v' }),
      },
    );
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: string }).code, 'unauthenticated');
  });

  test('the request log never holds a signature', () => {
    const log = JSON.stringify(runtime.requests());
    assert.doesNotMatch(log, /sig=/);
    assert.ok(runtime.requests().some((r) => r.service === 'blob' && r.status === 201));
  });
});
