import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { messageOf } from '../errors.ts';
import type { BucketSetupResult } from '../s3/bucket-lifecycle.ts';
import { finalize, type FinalizeResult } from '../report/finalize.ts';
import { readShardLedgers } from '../report/shards.ts';
import { FAILURES_ARTIFACT, FAILURES_CSV } from '../report/failures-csv.ts';
import { stepContext } from './context.ts';
import { OctokitIssueTracker } from './issue-tracker.ts';

export interface FinalizeStepOptions {
  /** Each shard's ledger folder, as the ledger store restored it (a missing folder is fine). */
  readonly shards: readonly { readonly shard: string; readonly dir: string }[];
  /** `github-token`: `issues: write`, and `actions: write` to disable the schedule. */
  readonly token: string;
  readonly disableScheduleWhenDone: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** What setting up the bucket (lifecycle rule, versioning check) did, for the log and summary. */
  readonly bucketSetup?: BucketSetupResult;
  /** A migrate job of this run failed (`migrate-result: failure`). */
  readonly migrateJobFailed?: boolean;
}

/**
 * The finalize step of the action, once the shards' ledgers are restored: the summary issue (or
 * the progress), the failures as a CSV artifact, the job summary and the outputs `outcome`
 * (`done`, `attention` or `progress`), `done` and `issue-number`.
 */
export async function finalizeStep(options: FinalizeStepOptions): Promise<FinalizeResult> {
  const run = stepContext(options.env);
  const tracker = new OctokitIssueTracker({
    token: options.token,
    repository: run.repository,
    baseUrl: options.env.GITHUB_API_URL,
  });
  const shards = await readShardLedgers(options.shards);
  const result = await finalize(shards, tracker, {
    run,
    disableScheduleWhenDone: options.disableScheduleWhenDone,
    migrateJobFailed: options.migrateJobFailed,
  });
  const notes = [...result.notes];
  if (result.failuresCsv !== undefined) {
    const note = await uploadFailures(result.failuresCsv, options.env.RUNNER_TEMP);
    if (note !== undefined) notes.push(note);
  }
  const setup = options.bucketSetup;
  const setupSummary =
    setup === undefined || setup.lines.length + setup.warnings.length === 0
      ? ''
      : `\n### Bucket\n\n${[...setup.lines, ...setup.warnings.map((line) => `⚠️ ${line}`)]
          .map((line) => `- ${line}`)
          .join('\n')}\n`;
  for (const line of setup?.lines ?? []) core.info(line);
  notes.push(...(setup?.warnings ?? []));
  await core.summary.addRaw(`${result.jobSummary}${setupSummary}`).write();
  core.setOutput('outcome', result.outcome);
  core.setOutput('done', String(result.outcome === 'done'));
  if (result.issue !== undefined) {
    core.setOutput('issue-number', String(result.issue.number));
    core.info(
      `Summary issue #${String(result.issue.number)} ${result.issue.action}: ${result.issue.url}`,
    );
  }
  for (const note of notes) core.warning(note);
  return result;
}

/** Attaches every failure as `failures.csv` in an artifact of this run; a note when it cannot. */
async function uploadFailures(
  csv: string,
  runnerTemp: string | undefined,
): Promise<string | undefined> {
  const dir = await mkdtemp(join(runnerTemp ?? tmpdir(), 'dropbox-to-s3-failures-'));
  try {
    const file = join(dir, FAILURES_CSV);
    await writeFile(file, csv);
    await new DefaultArtifactClient().uploadArtifact(FAILURES_ARTIFACT, [file], dir);
    return undefined;
  } catch (error) {
    // A re-run of the job finds the name taken; the issue still lists what fits.
    return `The failures CSV was not attached as the artifact ${FAILURES_ARTIFACT}: ${messageOf(error)}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
