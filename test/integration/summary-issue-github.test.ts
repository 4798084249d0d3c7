/**
 * Finalize with the Octokit issue tracker (retry and throttling plugins, as the action builds it)
 * against the GitHub REST fake: one summary issue, found again by label and marker, updated, never
 * duplicated; the schedule disabled when done.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OctokitIssueTracker } from '../../src/action/issue-tracker.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import { finalize, SUMMARY_LABEL } from '../../src/report/finalize.ts';
import { readShardLedgers, type ShardLedger } from '../../src/report/shards.ts';
import { summaryMarker, type RunContext } from '../../src/report/summary-issue.ts';
import { startGitHubRest, type GitHubRest } from '../emulators/github/rest/index.ts';
import { failedRecord, fileRecord, SETTINGS } from '../support/records.ts';

const TOKEN = 'ghs_summaryIssueTokenNeverLogged000';
const HOSTILE = '/Inbox/@octocat see #1 <img src=x onerror=alert(1)> [a](https://x.example) | `x`';

const root = await mkdtemp(join(tmpdir(), 'summary-github-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function shard(shardName: string, records: readonly FileRecord[]): Promise<ShardLedger> {
  count += 1;
  const dir = join(root, String(count));
  const ledger = await Ledger.open(dir, { ...SETTINGS, shard: shardName });
  for (const record of records) ledger.put(record);
  ledger.setCursor({ cursor: 'c', complete: true });
  ledger.addChunk({
    startedAt: '2026-11-25T10:00:00.000Z',
    durationMs: 1000,
    migrated: records.length,
    failed: 0,
    bytes: 1,
    stoppedBy: 'done',
  });
  await ledger.checkpoint();
  await ledger.close();
  return (await readShardLedgers([{ shard: shardName, dir }]))[0] as ShardLedger;
}

function runOf(gh: GitHubRest, runId: string): RunContext {
  return {
    serverUrl: 'https://github.com',
    repository: `${gh.owner}/${gh.repo}`,
    runId,
    workflowRef: `${gh.owner}/${gh.repo}/.github/workflows/migrate.yml@refs/heads/main`,
  };
}

/** The issue tracker finalize uses, talking to the REST stand-in. */
function trackerFor(gh: GitHubRest): OctokitIssueTracker {
  return new OctokitIssueTracker({
    token: TOKEN,
    repository: `${gh.owner}/${gh.repo}`,
    baseUrl: gh.url,
  });
}

test('finalize opens one summary issue, updates it, leaves others alone and disables the schedule', async (t) => {
  const gh = await startGitHubRest({
    token: TOKEN,
    workflows: [{ path: '.github/workflows/migrate.yml', name: 'Migrate Dropbox to S3' }],
  });
  t.after(() => gh.close());
  // An issue of another migration (another prefix) carries the same label: it is not ours.
  const other = gh.seedIssue({
    title: 'other',
    body: summaryMarker({ bucket: 'bucket', prefix: 'dropbox-old' }),
    labels: [SUMMARY_LABEL],
  });
  const tracker = trackerFor(gh);
  const shards = [
    await shard('0/2', [
      fileRecord(1, { status: 'migrated' }),
      failedRecord(2, 'restricted_content', HOSTILE, 'Dropbox restricts this file (@legal #9)'),
    ]),
    await shard('1/2', [fileRecord(3, { status: 'migrated' })]),
  ];

  const first = await finalize(shards, tracker, {
    run: runOf(gh, '100'),
    disableScheduleWhenDone: true,
  });
  assert.equal(first.outcome, 'done');
  assert.equal(first.issue?.action, 'created');
  assert.equal(first.scheduleDisabled, true);
  assert.equal(gh.workflows()[0]?.state, 'disabled_manually');

  const second = await finalize(shards, tracker, {
    run: runOf(gh, '101'),
    disableScheduleWhenDone: false,
  });
  assert.equal(second.issue?.action, 'updated');
  assert.equal(second.issue.number, first.issue.number);

  const ours = gh.issues().filter((issue) => issue.number !== other);
  assert.equal(ours.length, 1, 'never a second summary issue');
  const [issue] = ours;
  assert.ok(issue !== undefined);
  assert.deepEqual(issue.labels, [SUMMARY_LABEL]);
  assert.equal(issue.title, 'Dropbox to S3: migration complete (s3://bucket/dropbox)');
  const body = issue.body ?? '';
  assert.ok(body.startsWith(summaryMarker(SETTINGS)));
  assert.ok(body.includes('/actions/runs/101)'));
  // The hostile name is listed, and inert.
  const row = body.split('\n').find((line) => line.includes('octocat'));
  assert.ok(row !== undefined, body);
  assert.equal(row.split('|').length, 4);
  assert.doesNotMatch(row.replace(/&#\d+;/g, ''), /[@#<>[\]`:]/);
  assert.equal(
    gh.issues().find((i) => i.number === other)?.body,
    summaryMarker({ bucket: 'bucket', prefix: 'dropbox-old' }),
  );

  const writes = gh
    .requests()
    .filter((request) => request.method !== 'GET')
    .map((request) => `${request.method} ${request.path}`);
  assert.deepEqual(writes, [
    `POST /repos/${gh.owner}/${gh.repo}/issues`,
    `PUT /repos/${gh.owner}/${gh.repo}/actions/workflows/migrate.yml/disable`,
    `PATCH /repos/${gh.owner}/${gh.repo}/issues/${String(first.issue.number)}`,
  ]);
  for (const request of gh.requests()) {
    assert.ok(!JSON.stringify(request).includes(TOKEN), 'the token is never logged');
  }
});

test('a secondary rate limit on creating the issue is waited out, and still one issue', async (t) => {
  const gh = await startGitHubRest({ token: TOKEN });
  t.after(() => gh.close());
  gh.addFault({
    kind: 'secondary-rate-limit',
    method: 'POST',
    pathPrefix: `/repos/${gh.owner}/${gh.repo}/issues`,
    retryAfterSeconds: 1,
  });
  const tracker = trackerFor(gh);
  const result = await finalize(
    [await shard('0/1', [fileRecord(1, { status: 'migrated' })])],
    tracker,
    {
      run: runOf(gh, '7'),
      disableScheduleWhenDone: false,
    },
  );
  assert.equal(result.issue?.action, 'created');
  assert.equal(gh.issues().length, 1);
});

test('without the permission to disable workflows, finalize still writes the issue and says so', async (t) => {
  const gh = await startGitHubRest({
    token: TOKEN,
    permissions: { issues: 'write', actions: 'read', contents: 'read' },
    workflows: [{ path: '.github/workflows/migrate.yml' }],
  });
  t.after(() => gh.close());
  const tracker = trackerFor(gh);
  const result = await finalize(
    [await shard('0/1', [fileRecord(1, { status: 'migrated' })])],
    tracker,
    {
      run: runOf(gh, '8'),
      disableScheduleWhenDone: true,
    },
  );
  assert.equal(result.issue?.action, 'created');
  assert.equal(result.scheduleDisabled, false);
  assert.match(result.notes.join('\n'), /The schedule was not disabled .*actions: write/);
  assert.equal(gh.workflows()[0]?.state, 'active');
});
