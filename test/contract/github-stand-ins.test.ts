/**
 * Both GitHub stand-ins together, as the ledger stores use them: the real @actions/cache and
 * @actions/artifact write through the Actions runtime emulator; Octokit and @actions/artifact's
 * `findBy` read, download and prune through the REST fake, which sees the same caches and
 * artifacts. @actions/github reads GITHUB_API_URL when first imported (and @actions/artifact's
 * `findBy` calls use that default), so both are imported only once the fake listens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as cache from '@actions/cache';
import { startGitHubRest } from '../emulators/github/rest/index.ts';
import { startActionsRuntime } from '../emulators/github/runtime/index.ts';
import { withStepEnv } from '../support/step-env.ts';

const TOKEN = 'ghs_standInsToken';

test('caches saved by @actions/cache are listed and pruned over REST; an artifact of a previous run is found and downloaded', async (t) => {
  const runtime = await startActionsRuntime();
  t.after(() => runtime.close());
  const gh = await startGitHubRest({ token: TOKEN, actions: runtime.state });
  t.after(() => gh.close());
  process.env['GITHUB_API_URL'] = gh.url;
  const { getOctokit } = await import('@actions/github');
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const octokit = getOctokit(TOKEN, { baseUrl: gh.url });
  const repo = { owner: gh.owner, repo: gh.repo };
  const workspace = runtime.env({ runId: 1 })['GITHUB_WORKSPACE'] ?? '';
  const ledgerDir = join(workspace, 'ledger');
  t.after(() => rm(ledgerDir, { recursive: true, force: true }));

  const save = async (runId: number, key: string, content: string): Promise<number> => {
    await rm(ledgerDir, { recursive: true, force: true });
    await mkdir(ledgerDir, { recursive: true });
    await writeFile(join(ledgerDir, 'state.json'), content);
    return withStepEnv(runtime.env({ runId }), () => cache.saveCache([ledgerDir], key));
  };
  assert.ok((await save(1, 'ledger-s1-1-1', 'run 1')) > 0);
  assert.ok((await save(2, 'ledger-s1-2-1', 'run 2')) > 0);
  assert.ok((await save(2, 'ledger-s10-2-1', 'shard 10')) > 0);

  const listed = await octokit.rest.actions.getActionsCacheList({
    ...repo,
    key: 'ledger-s1-',
    sort: 'created_at',
  });
  assert.deepEqual(
    listed.data.actions_caches.map((c) => [c.key, c.ref]),
    [
      ['ledger-s1-2-1', 'refs/heads/main'],
      ['ledger-s1-1-1', 'refs/heads/main'],
    ],
  );
  const older = listed.data.actions_caches[1];
  await octokit.rest.actions.deleteActionsCacheById({ ...repo, cache_id: older?.id ?? 0 });
  assert.deepEqual(
    runtime.state
      .listCaches()
      .map((c) => c.key)
      .sort(),
    ['ledger-s1-2-1', 'ledger-s10-2-1'],
  );
  await rm(ledgerDir, { recursive: true, force: true });
  const matched = await withStepEnv(runtime.env({ runId: 3 }), () =>
    cache.restoreCache([ledgerDir], 'ledger-s1-3-1', ['ledger-s1-']),
  );
  assert.equal(matched, 'ledger-s1-2-1');
  assert.equal(await readFile(join(ledgerDir, 'state.json'), 'utf8'), 'run 2');

  const artifacts = new DefaultArtifactClient();
  await writeFile(join(ledgerDir, 'state.json'), 'uploaded by run 3');
  await withStepEnv(runtime.env({ runId: 3 }), () =>
    artifacts.uploadArtifact('ledger-shard-1', [join(ledgerDir, 'state.json')], ledgerDir),
  );
  const found = await octokit.rest.actions.listArtifactsForRepo({
    ...repo,
    name: 'ledger-shard-1',
  });
  assert.equal(found.data.total_count, 1);
  assert.equal(found.data.artifacts[0]?.workflow_run?.id, 3);

  const target = join(workspace, 'downloaded');
  t.after(() => rm(target, { recursive: true, force: true }));
  const findBy = {
    token: TOKEN,
    workflowRunId: 3,
    repositoryOwner: gh.owner,
    repositoryName: gh.repo,
  };
  await withStepEnv(runtime.env({ runId: 4 }), async () => {
    const { artifact } = await artifacts.getArtifact('ledger-shard-1', { findBy });
    const result = await artifacts.downloadArtifact(artifact.id, {
      path: target,
      findBy,
      ...(artifact.digest === undefined ? {} : { expectedHash: artifact.digest }),
    });
    assert.equal(result.digestMismatch, false);
  });
  assert.equal(await readFile(join(target, 'state.json'), 'utf8'), 'uploaded by run 3');
});
