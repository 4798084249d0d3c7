/**
 * The real @actions/artifact 6 finding and downloading an artifact of a previous run through the
 * REST fake, as the artifact ledger store does (`findBy` with a token that has `actions: read`).
 * @actions/github reads GITHUB_API_URL once, when it is first imported, so the toolkit is imported
 * only after the fake is listening and the variable points at it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubRest } from '../emulators/github/rest/index.ts';
import { memoryActionsState } from '../support/memory-actions-state.ts';
import { storedZip } from '../support/stored-zip.ts';

const TOKEN = 'ghs_artifactReaderToken';

test("@actions/artifact lists, finds by name and downloads a previous run's artifact; without actions: read it is refused", async (t) => {
  const state = memoryActionsState();
  const gh = await startGitHubRest({
    token: TOKEN,
    actions: state,
    permissions: { actions: 'read' },
  });
  t.after(() => gh.close());
  process.env['GITHUB_API_URL'] = gh.url;
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const dir = await mkdtemp(join(tmpdir(), 'gh-rest-artifact-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  state.addArtifact({
    name: 'ledger-shard-1',
    runId: 41,
    bytes: storedZip({ 'ledger.json': '{"run":41}' }),
    createdAt: '2026-11-25T01:00:00Z',
  });
  state.addArtifact({
    name: 'ledger-shard-1',
    runId: 42,
    bytes: storedZip({ 'ledger.json': '{"run":42}' }),
    createdAt: '2026-11-25T02:00:00Z',
  });
  state.addArtifact({
    name: 'ledger-shard-2',
    runId: 42,
    bytes: storedZip({ 'ledger.json': '{"shard":2}' }),
    createdAt: '2026-11-25T02:00:01Z',
  });
  const findBy = {
    token: TOKEN,
    workflowRunId: 42,
    repositoryOwner: gh.owner,
    repositoryName: gh.repo,
  };
  const client = new DefaultArtifactClient();

  const listed = await client.listArtifacts({ findBy });
  assert.deepEqual(listed.artifacts.map((a) => a.name).sort(), [
    'ledger-shard-1',
    'ledger-shard-2',
  ]);
  const { artifact } = await client.getArtifact('ledger-shard-1', { findBy });
  const downloaded = await client.downloadArtifact(artifact.id, {
    path: dir,
    findBy,
    ...(artifact.digest === undefined ? {} : { expectedHash: artifact.digest }),
  });
  assert.equal(downloaded.digestMismatch, false);
  assert.equal(await readFile(join(dir, 'ledger.json'), 'utf8'), '{"run":42}');
  const calls = gh.requests().map((r) => `${r.method} ${r.path} ${r.status}`);
  assert.ok(
    calls.includes(
      `GET /repos/octo-org/dropbox-migration/actions/artifacts/${artifact.id}/zip 302`,
    ),
  );

  gh.setPermissions({ actions: 'none' });
  await assert.rejects(client.listArtifacts({ findBy }), /Resource not accessible by integration/);
});
