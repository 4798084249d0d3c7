/**
 * The action's finalize step with the real toolkit: Octokit against the GitHub REST fake, the
 * failures CSV uploaded by @actions/artifact to the Actions runtime emulator, the job summary and
 * outputs written where the runner reads them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { finalizeStep } from '../../src/action/finalize.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import { FAILURES_ARTIFACT, FAILURES_CSV } from '../../src/report/summary-issue.ts';
import { startGitHubRest } from '../emulators/github/rest/index.ts';
import { startActionsRuntime } from '../emulators/github/runtime/index.ts';
import { fileRecord, SETTINGS } from '../support/records.ts';
import { withStepEnv } from '../support/step-env.ts';

const TOKEN = 'ghs_finalizeStepTokenNeverShown0000';
const HOSTILE = '/Team/=cmd|calc <b>@octocat</b> #12.txt';

const root = await mkdtemp(join(tmpdir(), 'finalize-step-'));
after(() => rm(root, { recursive: true, force: true }));

async function writeShard(shard: string, records: readonly FileRecord[]): Promise<string> {
  const dir = join(root, shard.replace('/', '-of-'));
  const ledger = await Ledger.open(dir, { ...SETTINGS, shard });
  for (const record of records) ledger.put(record);
  ledger.setCursor({ cursor: 'c', complete: true });
  ledger.addChunk({
    startedAt: '2026-11-25T10:00:00.000Z',
    durationMs: 5000,
    migrated: 1,
    failed: 1,
    bytes: 1,
    stoppedBy: 'done',
  });
  await ledger.checkpoint();
  await ledger.close();
  return dir;
}

test('finalize writes the issue, attaches the failures CSV, the job summary and the outputs', async (t) => {
  const gh = await startGitHubRest({
    token: TOKEN,
    workflows: [{ path: '.github/workflows/migrate.yml' }],
  });
  t.after(() => gh.close());
  const runtime = await startActionsRuntime();
  t.after(() => runtime.close());
  const summaryFile = join(root, 'summary.md');
  const outputFile = join(root, 'output');
  await writeFile(summaryFile, '');
  await writeFile(outputFile, '');

  const shards = [
    {
      shard: '0/2',
      dir: await writeShard('0/2', [
        fileRecord(1, { status: 'migrated' }),
        fileRecord(2, {
          path: HOSTILE,
          pathLower: HOSTILE.toLowerCase(),
          status: 'failed',
          attempts: 1,
          failure: {
            kind: 'permanent',
            failureClass: 'restricted_content',
            reason: '=1+1 blocked',
            at: '2026-11-25T10:00:00Z',
          },
        }),
      ]),
    },
    { shard: '1/2', dir: await writeShard('1/2', [fileRecord(3, { status: 'migrated' })]) },
  ];
  const env = {
    ...runtime.env({ runId: 77, job: 'finalize' }),
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
    GITHUB_RUN_ID: '77',
    GITHUB_WORKFLOW_REF: `${gh.owner}/${gh.repo}/.github/workflows/migrate.yml@refs/heads/main`,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
  };
  const result = await withStepEnv(env, () =>
    finalizeStep({ shards, token: TOKEN, disableScheduleWhenDone: true, env }),
  );
  assert.equal(result.outcome, 'done');

  const [issue] = gh.issues();
  assert.ok(issue !== undefined);
  assert.equal(gh.issues().length, 1);
  assert.match(
    issue.body ?? '',
    /&#61;cmd&#124;calc &#60;b&#62;&#64;\u200Doctocat&#60;&#47;b&#62; &#35;\u200D12&#46;txt/,
  );
  assert.equal(gh.workflows()[0]?.state, 'disabled_manually');

  const artifact = runtime.state.listArtifacts().find((a) => a.name === FAILURES_ARTIFACT);
  assert.ok(artifact !== undefined, 'the failures CSV is attached');
  assert.equal(artifact.runId, 77);
  const zip = runtime.state.artifactBytes(artifact.id);
  assert.ok(zip !== undefined);
  assert.ok(zip.includes(Buffer.from(FAILURES_CSV)), 'the zip holds failures.csv');

  const summary = await readFile(summaryFile, 'utf8');
  assert.match(summary, /## Migration complete/);
  assert.ok(
    summary.includes(
      `Summary issue: [#1](https://github.com/${gh.owner}/${gh.repo}/issues/1) (created).`,
    ),
    summary,
  );
  const outputs = await readFile(outputFile, 'utf8');
  assert.match(outputs, /^outcome<<.*\ndone\n/m);
  assert.match(outputs, /^done<<.*\ntrue\n/m);
  assert.match(outputs, /^issue-number<<.*\n1\n/m);
  for (const text of [summary, outputs, issue.body ?? '', JSON.stringify(gh.requests())]) {
    assert.ok(!text.includes(TOKEN), 'the token appears nowhere');
  }
});
