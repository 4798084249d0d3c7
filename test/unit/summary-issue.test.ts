import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { ChunkSummary, FileRecord } from '../../src/ledger/records.ts';
import { csvCell } from '../../src/report/csv.ts';
import { finalize, SUMMARY_LABEL } from '../../src/report/finalize.ts';
import type { IssueContent, IssueTracker, TrackedIssue } from '../../src/report/issue-tracker.ts';
import { readShardLedgers, shardState, type ShardLedger } from '../../src/report/shards.ts';
import {
  failuresCsv,
  ISSUE_BODY_LIMIT,
  summaryIssue,
  summaryMarker,
  type RunContext,
} from '../../src/report/summary-issue.ts';
import { failedRecord, fileRecord, SETTINGS } from '../support/records.ts';

const RUN: RunContext = {
  serverUrl: 'https://github.example',
  repository: 'octo/migration',
  runId: '4242',
  workflowRef: 'octo/migration/.github/workflows/migrate.yml@refs/heads/main',
};

const HOSTILE = '/Shared/@octocat #1 <img src=x> [x](https://evil.example) | `tick`\nnext.txt';

const root = await mkdtemp(join(tmpdir(), 'summary-issue-'));
after(() => rm(root, { recursive: true, force: true }));

let folders = 0;

interface ShardSpec {
  readonly records: readonly FileRecord[];
  readonly chunks?: readonly Partial<ChunkSummary>[];
  readonly listed?: boolean;
}

/** Writes one shard's ledger as a migration would, and reads it back as finalize does. */
async function shardLedger(shard: string, spec: ShardSpec): Promise<ShardLedger> {
  folders += 1;
  const dir = join(root, `ledger-${String(folders)}`);
  const ledger = await Ledger.open(dir, { ...SETTINGS, shard });
  for (const record of spec.records) ledger.put(record);
  ledger.setCursor({ cursor: 'cursor', complete: spec.listed ?? true });
  for (const chunk of spec.chunks ?? [{}]) {
    ledger.addChunk({
      startedAt: '2026-11-25T10:00:00.000Z',
      durationMs: 60_000,
      migrated: 1,
      failed: 0,
      bytes: 10,
      stoppedBy: 'done',
      ...chunk,
    });
  }
  await ledger.checkpoint();
  await ledger.close();
  const [read] = await readShardLedgers([{ shard, dir }]);
  assert.ok(read?.ledger !== undefined);
  return read;
}

const migrated = (n: number): FileRecord => fileRecord(n, { status: 'migrated' });

/** An in-memory GitHub: issues with labels, and the workflows disabled. */
class MemoryTracker implements IssueTracker {
  readonly issues: (TrackedIssue & { title: string; labels: string[] })[] = [];
  readonly disabled: string[] = [];
  readonly calls: string[] = [];

  findIssue(label: string, marker: string): Promise<TrackedIssue | undefined> {
    this.calls.push('find');
    return Promise.resolve(
      this.issues.find((issue) => issue.labels.includes(label) && issue.body.includes(marker)),
    );
  }

  createIssue(content: IssueContent, label: string): Promise<TrackedIssue> {
    this.calls.push('create');
    const issue = {
      ...content,
      number: this.issues.length + 1,
      url: `https://github.example/octo/migration/issues/${String(this.issues.length + 1)}`,
      state: 'open' as const,
      labels: [label],
    };
    this.issues.push(issue);
    return Promise.resolve(issue);
  }

  updateIssue(
    issueNumber: number,
    content: IssueContent,
    { reopen }: { reopen: boolean },
  ): Promise<TrackedIssue> {
    this.calls.push(reopen ? 'update+reopen' : 'update');
    const index = this.issues.findIndex((issue) => issue.number === issueNumber);
    const before = this.issues[index];
    assert.ok(before !== undefined);
    const issue = { ...before, ...content, state: reopen ? ('open' as const) : before.state };
    this.issues[index] = issue;
    return Promise.resolve(issue);
  }

  disableWorkflow(workflow: string): Promise<void> {
    this.disabled.push(workflow);
    return Promise.resolve();
  }
}

/** The one issue the tracker holds. */
function onlyIssue(tracker: MemoryTracker): TrackedIssue & { title: string; labels: string[] } {
  assert.equal(tracker.issues.length, 1);
  const [issue] = tracker.issues;
  assert.ok(issue !== undefined);
  return issue;
}

describe('summary issue body', () => {
  it('has the marker, totals, every failure with its reason, exports, deletions and run links', async () => {
    const shards = [
      await shardLedger('0/2', {
        records: [
          migrated(1),
          fileRecord(2, { status: 'migrated', exportFormat: 'markdown', size: 100 }),
          failedRecord(3, 'restricted_content', HOSTILE, 'Dropbox blocks this file @admin #5'),
          fileRecord(4, { status: 'migrated', deletedAt: '2026-11-25T11:00:00Z' }),
        ],
      }),
      await shardLedger('1/2', {
        records: [migrated(5), failedRecord(6, 'key_too_long', '/Deep/x.bin', 'key is 1100 bytes')],
      }),
    ];
    const issue = summaryIssue(shards, { run: RUN });
    assert.equal(issue.outcome, 'done');
    assert.ok(issue.body.startsWith(`${summaryMarker(SETTINGS)}\n`));
    assert.equal(summaryMarker(SETTINGS), '<!-- dropbox-to-s3:summary bucket/dropbox -->');
    assert.match(issue.body, /## Migration complete/);
    assert.match(issue.body, /\| Migrated \| 4 \|/);
    assert.match(issue.body, /\| Failed \| 2 \|/);
    assert.match(issue.body, /2 chunks over 2 shards, 2m00s of work/);
    assert.match(issue.body, /#### restricted&#95;content \(1\)/);
    assert.match(issue.body, /#### key&#95;too&#95;long \(1\)/);
    assert.match(issue.body, /1 Paper or Google document is stored as its export \(markdown 1\)/);
    assert.match(issue.body, /### Deleted in Dropbox/);
    assert.ok(
      issue.body.includes('(https://github.example/octo/migration/actions/workflows/migrate.yml)'),
    );
    assert.ok(issue.body.includes('(https://github.example/octo/migration/actions/runs/4242)'));
    // The hostile name is there, inert: no raw @, #, <, [, |, ` or line break from it.
    const row = issue.body.split('\n').find((line) => line.includes('octocat'));
    assert.ok(row !== undefined);
    assert.equal(row.split('|').length, 4, row);
    assert.doesNotMatch(row.replace(/&#\d+;/g, ''), /[@#<>[\]`:]/);
    assert.match(row, /&#64;\u200Doctocat/);
    assert.match(row, /admin/);
    assert.equal(issue.failuresShown, 2);
    assert.equal(issue.failuresTotal, 2);
  });

  it('stays under the body limit with thousands of failures, counting the rest and pointing to the CSV', async () => {
    const records: FileRecord[] = [];
    for (let n = 0; n < 3000; n += 1) {
      const failureClass = n % 10 === 0 ? 'hash_mismatch' : 'restricted_content';
      records.push(
        failedRecord(n, failureClass, `/Big/${'é|'.repeat(40)}${String(n)}.bin`, 'x'.repeat(400)),
      );
    }
    records.push(failedRecord(9999, 'key_too_long', '/Only/one.bin', 'too long'));
    const shards = [await shardLedger('0/1', { records })];
    const issue = summaryIssue(shards, { run: RUN });
    assert.ok(issue.body.length <= ISSUE_BODY_LIMIT, String(issue.body.length));
    assert.ok(issue.failuresShown > 50 && issue.failuresShown < 3001, String(issue.failuresShown));
    const more = 3001 - issue.failuresShown;
    assert.ok(
      issue.body.includes(`\u2026 and ${String(more)} more (see the CSV artifact`),
      issue.body.slice(-400),
    );
    // Every class is shown, even the smallest.
    assert.match(issue.body, /&#47;Only&#47;one&#46;bin/);
    assert.match(issue.body, /#### hash&#95;mismatch \(300\)/);
    // Reasons are cut in the body.
    assert.ok(!issue.body.includes('x'.repeat(301)));
  });

  it('stays under the body limit with 256 shards stopped on long errors, one row per distinct error', async () => {
    const shards: ShardLedger[] = [];
    for (let index = 0; index < 256; index += 1) {
      const message =
        index < 250 ? `Access Denied ${'x'.repeat(2000)}` : `bucket "b${String(index)}" is gone`;
      shards.push(
        await shardLedger(`${String(index)}/256`, {
          records: [failedRecord(index, 'restricted_content', `/f${String(index)}.bin`, 'no')],
          chunks: [
            {
              stoppedBy: 'fatal',
              fatal: {
                failureClass: index < 250 ? 'access_denied' : 'missing_bucket',
                message,
              },
            },
          ],
        }),
      );
    }
    const issue = summaryIssue(shards, { run: RUN });
    assert.equal(issue.outcome, 'attention');
    assert.ok(issue.body.length <= ISSUE_BODY_LIMIT, String(issue.body.length));
    const attention = issue.body.split('### Needs attention')[1]?.split('###')[0] ?? '';
    const rows = attention
      .split('\n')
      .filter(
        (line) => line.startsWith('| ') && !line.startsWith('| Shard') && !line.startsWith('| ---'),
      );
    // One row for the 250 shards with the same error, one for each of the six others.
    assert.equal(rows.length, 7, attention);
    assert.match(
      rows[0] ?? '',
      /^\| 0&#47;256, 1&#47;256, .* \u2026 \(250 shards\) \| stopped on `access_denied`/,
    );
    assert.ok(!issue.body.includes('x'.repeat(301)), 'long messages are cut');
    assert.match(issue.body, /\u2026 and 192 more shards \(0 of them done\)\./);
    // Every failure still fits.
    assert.equal(issue.failuresShown, 256);
  });

  it('writes every failure to CSV, quoted by RFC 4180 and safe from formula injection', async () => {
    const shards = [
      await shardLedger('0/1', {
        records: [
          failedRecord(
            1,
            'restricted_content',
            '/a,"quoted"\nname.txt',
            '=HYPERLINK("http://evil")',
          ),
          failedRecord(2, 'restricted_content', '/plain.txt', '+1 -1 @SUM(A1)'),
        ],
      }),
    ];
    const csv = failuresCsv(shards);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'shard,class,kind,path,key,size,attempts,failed_at,reason');
    assert.equal(
      lines[1],
      '0/1,restricted_content,permanent,"/a,""quoted""\nname.txt",dropbox/Folder/file-1.txt,1,1,' +
        '2026-11-25T10:00:00Z,"\'=HYPERLINK(""http://evil"")"',
    );
    assert.ok(csv.endsWith("'+1 -1 @SUM(A1)\r\n"), csv);
    assert.equal(csvCell('-5'), "'-5");
    assert.equal(csvCell('@x'), "'@x");
    assert.equal(csvCell(-5), '-5');
  });
});

describe('shard state', () => {
  it('tells done, working, fatal (with class and message), stalled and missing apart', async () => {
    const done = await shardLedger('0/1', { records: [migrated(1)] });
    assert.deepEqual(shardState(done), { kind: 'done' });
    const working = await shardLedger('0/1', { records: [fileRecord(1)] });
    assert.deepEqual(shardState(working), { kind: 'working', pending: 1 });
    const fatal = await shardLedger('0/1', {
      records: [fileRecord(1)],
      chunks: [
        {
          stoppedBy: 'fatal',
          migrated: 0,
          fatal: { failureClass: 'missing_bucket', message: 'bucket "b" does not exist' },
        },
      ],
    });
    assert.deepEqual(shardState(fatal), {
      kind: 'fatal',
      failureClass: 'missing_bucket',
      message: 'bucket "b" does not exist',
      at: '2026-11-25T10:00:00.000Z',
    });
    const idle = { migrated: 0, stoppedBy: 'deadline' };
    const stalled = await shardLedger('0/1', {
      records: [fileRecord(1)],
      chunks: [idle, idle, idle],
    });
    assert.deepEqual(shardState(stalled), { kind: 'stalled', pending: 1, chunks: 3 });
    // A big file advancing by checkpoints is progress; so is a listing not yet complete.
    const big = await shardLedger('0/1', {
      records: [fileRecord(1)],
      chunks: [idle, idle, { ...idle, checkpointed: 1 }],
    });
    assert.equal(shardState(big).kind, 'working');
    const listing = await shardLedger('0/1', {
      records: [fileRecord(1)],
      chunks: [idle, idle, idle],
      listed: false,
    });
    assert.equal(shardState(listing).kind, 'working');
    assert.deepEqual(shardState({ shard: '0/1', ledger: undefined }), { kind: 'missing' });
  });
});

describe('finalize', () => {
  it('only reports progress while shards are working', async () => {
    const tracker = new MemoryTracker();
    const shards = [
      await shardLedger('0/2', { records: [migrated(1)] }),
      await shardLedger('1/2', { records: [fileRecord(2)] }),
    ];
    const result = await finalize(shards, tracker, { run: RUN, disableScheduleWhenDone: true });
    assert.equal(result.outcome, 'progress');
    assert.equal(result.issue, undefined);
    assert.deepEqual(tracker.calls, ['find'], 'no issue is written while work goes on');
    assert.match(result.jobSummary, /## Migration in progress/);
    assert.match(result.jobSummary, /\| Pending \| 1 \|/);
    assert.ok(!result.jobSummary.includes('<!--'));
  });

  it('asks for attention when a migrate job failed before its chunk recorded why', async () => {
    const tracker = new MemoryTracker();
    const working = [
      await shardLedger('0/2', { records: [migrated(1)] }),
      await shardLedger('1/2', { records: [fileRecord(2)] }),
    ];
    const failed = await finalize(working, tracker, {
      run: RUN,
      disableScheduleWhenDone: true,
      migrateJobFailed: true,
    });
    assert.equal(failed.outcome, 'attention');
    const issue = onlyIssue(tracker);
    assert.match(issue.body, /## Migration needs attention/);
    assert.match(
      issue.body,
      /\| this run \| a migrate job failed before its chunk could record why/,
    );
    // Once the jobs succeed again, the same issue says progress.
    const again = await finalize(working, tracker, { run: RUN, disableScheduleWhenDone: true });
    assert.equal(again.outcome, 'progress');
    assert.doesNotMatch(onlyIssue(tracker).body, /needs attention/);
    // A shard whose ledger says why needs no extra row.
    const fatal = await shardLedger('0/1', {
      records: [fileRecord(3)],
      chunks: [
        { stoppedBy: 'fatal', fatal: { failureClass: 'missing_bucket', message: 'no bucket' } },
      ],
    });
    const explained = await finalize([fatal], new MemoryTracker(), {
      run: RUN,
      disableScheduleWhenDone: true,
      migrateJobFailed: true,
    });
    assert.equal(explained.outcome, 'attention');
    assert.doesNotMatch(explained.jobSummary, /this run/);
  });

  it('opens one issue when done, updates the same one after, and disables the schedule', async () => {
    const tracker = new MemoryTracker();
    const shards = [
      await shardLedger('0/2', {
        records: [migrated(1), failedRecord(2, 'restricted_content', HOSTILE, 'blocked')],
      }),
      await shardLedger('1/2', { records: [migrated(3)] }),
    ];
    const first = await finalize(shards, tracker, { run: RUN, disableScheduleWhenDone: true });
    assert.equal(first.outcome, 'done');
    assert.equal(first.issue?.action, 'created');
    assert.equal(tracker.issues.length, 1);
    assert.deepEqual(onlyIssue(tracker).labels, [SUMMARY_LABEL]);
    assert.match(
      onlyIssue(tracker).title,
      /^Dropbox to S3: migration complete \(s3:\/\/bucket\/dropbox\)$/,
    );
    assert.ok(first.failuresCsv?.includes('blocked'));
    assert.deepEqual(tracker.disabled, ['migrate.yml']);
    assert.equal(first.scheduleDisabled, true);
    assert.match(first.jobSummary, /Summary issue: \[#1\]/);

    const second = await finalize(shards, tracker, {
      run: { ...RUN, runId: '4243' },
      disableScheduleWhenDone: false,
    });
    assert.equal(second.issue?.action, 'updated');
    assert.equal(second.issue.number, 1);
    assert.equal(tracker.issues.length, 1);
    assert.ok(onlyIssue(tracker).body.includes('/runs/4243'));

    const third = await finalize(shards, tracker, {
      run: { ...RUN, runId: '4243' },
      disableScheduleWhenDone: false,
    });
    assert.equal(third.issue?.action, 'unchanged');
    assert.deepEqual(tracker.calls, ['find', 'create', 'find', 'update', 'find']);
  });

  it('says what to do when a shard stopped on a fatal error, and reopens a closed issue for it', async () => {
    const tracker = new MemoryTracker();
    const ok = await shardLedger('0/2', { records: [migrated(1)] });
    const done = await finalize(
      [ok, await shardLedger('1/2', { records: [migrated(2)] })],
      tracker,
      {
        run: RUN,
        disableScheduleWhenDone: false,
      },
    );
    assert.equal(done.issue?.action, 'created');
    const issue = tracker.issues[0];
    assert.ok(issue !== undefined);
    tracker.issues[0] = { ...issue, state: 'closed' };
    const broken = await shardLedger('1/2', {
      records: [migrated(2), fileRecord(3)],
      chunks: [
        {},
        {
          stoppedBy: 'fatal',
          migrated: 0,
          fatal: {
            failureClass: 'expired_aws_credentials',
            message: 'ExpiredToken: the security token expired',
          },
        },
      ],
    });
    const result = await finalize([ok, broken], tracker, {
      run: RUN,
      disableScheduleWhenDone: true,
    });
    assert.equal(result.outcome, 'attention');
    assert.equal(result.issue?.number, 1);
    assert.deepEqual(tracker.calls.at(-1), 'update+reopen');
    assert.equal(onlyIssue(tracker).state, 'open');
    const body = onlyIssue(tracker).body;
    assert.match(body, /## Migration needs attention/);
    assert.match(body, /stopped on `expired_aws_credentials`/);
    assert.match(body, /ExpiredToken&#58;\u200D the security token expired/);
    assert.match(body, /raise `role-duration-seconds`/);
    assert.deepEqual(tracker.disabled, []);
  });

  it('turns an issue that asked for attention back to progress once chunks move again', async () => {
    const tracker = new MemoryTracker();
    const idle = { migrated: 0, bytes: 0, durationMs: 0, stoppedBy: 'deadline' };
    await finalize(
      [await shardLedger('0/1', { records: [fileRecord(1)], chunks: [idle, idle, idle] })],
      tracker,
      { run: RUN, disableScheduleWhenDone: false },
    );
    assert.match(onlyIssue(tracker).body, /## Migration needs attention/);
    const moving = await shardLedger('0/1', {
      records: [migrated(1), fileRecord(2, { size: 7200 })],
      chunks: [idle, idle, idle, { migrated: 1, bytes: 3600, durationMs: 1_800_000 }],
    });
    const result = await finalize([moving], tracker, { run: RUN, disableScheduleWhenDone: false });
    assert.equal(result.outcome, 'progress');
    assert.equal(result.issue?.action, 'updated');
    assert.match(onlyIssue(tracker).body, /## Migration in progress/);
    // 3600 bytes in 30 minutes of chunks: 2 B/s; 7200 bytes pending need an hour.
    assert.match(
      result.jobSummary,
      /At 2 B\/s over all shards, the pending files need about 1h00m of chunk time/,
    );
    assert.match(result.jobSummary, /\(about 4 runs\)/);
    const again = await finalize([moving], tracker, { run: RUN, disableScheduleWhenDone: false });
    assert.equal(again.issue, undefined, 'a progress issue is not rewritten on every run');
  });

  it('reports a shard that made no progress for several chunks', async () => {
    const tracker = new MemoryTracker();
    const idle = { migrated: 0, stoppedBy: 'deadline' };
    const result = await finalize(
      [await shardLedger('0/1', { records: [fileRecord(1)], chunks: [idle, idle, idle] })],
      tracker,
      { run: RUN, disableScheduleWhenDone: false },
    );
    assert.equal(result.outcome, 'attention');
    assert.match(onlyIssue(tracker).body, /no file migrated in the last 3 chunks; 1 file pending/);
  });
});

describe('summary marker', () => {
  it('cannot be ended early by a prefix, and tells prefixes apart', () => {
    const marker = summaryMarker({ bucket: 'b', prefix: 'x --> <!-- é\uD800' });
    assert.equal(marker, '<!-- dropbox-to-s3:summary b/x%20--%3E%20%3C%21--%20%C3%A9%EF%BF%BD -->');
    assert.equal(marker.indexOf('-->'), marker.length - 3);
    assert.ok(
      !summaryMarker({ bucket: 'b', prefix: 'ab' }).includes(
        summaryMarker({ bucket: 'b', prefix: 'a' }).slice(0, -4) + ' ',
      ),
    );
  });
});
