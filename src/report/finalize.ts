import { messageOf } from '../errors.ts';
import type { IssueTracker, TrackedIssue } from './issue-tracker.ts';
import type { Outcome, ShardLedger, ShardState } from './shards.ts';
import { failuresCsv } from './failures-csv.ts';
import { workflowFile, type RunContext } from './run-context.ts';
import { ATTENTION_HEADLINE, summaryIssue } from './summary-issue.ts';

/** The label the summary issue carries; with the marker it finds the issue again. */
export const SUMMARY_LABEL = 'dropbox-to-s3';

export interface FinalizeOptions {
  readonly run: RunContext;
  /** Disable the workflow (its schedule) once every shard is done. */
  readonly disableScheduleWhenDone: boolean;
  /** Where the full failure list is published (the CSV artifact), as the body names it. */
  readonly csvNote?: string;
  /** The body limit (GitHub's by default). */
  readonly limit?: number;
  /** A migrate job of this run failed, whether or not its shard's ledger says why. */
  readonly migrateJobFailed?: boolean;
}

export interface FinalizeResult {
  readonly outcome: Outcome;
  readonly states: readonly ShardState[];
  /**
   * The summary issue written or found; undefined while the migration is simply in progress (an
   * issue that asked for attention is then updated to say it is in progress again).
   */
  readonly issue:
    (TrackedIssue & { readonly action: 'created' | 'updated' | 'unchanged' }) | undefined;
  /** Markdown for the job summary. */
  readonly jobSummary: string;
  /** Every failure as CSV, for the artifact; undefined when nothing failed. */
  readonly failuresCsv: string | undefined;
  readonly scheduleDisabled: boolean;
  /** Things that went wrong without failing finalize (disabling the schedule). */
  readonly notes: readonly string[];
}

/**
 * After all shards ran: when every shard is done, or one is stuck, write the one summary issue
 * (create it the first time, update it after); otherwise report progress. Running it again
 * changes nothing that is already right.
 */
export async function finalize(
  shards: readonly ShardLedger[],
  tracker: IssueTracker,
  options: FinalizeOptions,
): Promise<FinalizeResult> {
  const summary = summaryIssue(shards, {
    run: options.run,
    csvNote: options.csvNote,
    limit: options.limit,
    migrateJobFailed: options.migrateJobFailed,
  });
  const csv = summary.failuresTotal > 0 ? failuresCsv(shards) : undefined;
  const base = {
    outcome: summary.outcome,
    states: summary.states,
    failuresCsv: csv,
  };
  const jobBody = summary.body.slice(summary.marker.length + 1);
  const content = { title: summary.title, body: summary.body };
  const existing = await tracker.findIssue(SUMMARY_LABEL, summary.marker);
  if (summary.outcome === 'progress') {
    // An issue that still asks for help after the cause was fixed would mislead: it says progress now.
    const stale = existing !== undefined && existing.body.includes(ATTENTION_HEADLINE);
    const issue = stale
      ? {
          ...(await tracker.updateIssue(existing.number, content, { reopen: false })),
          action: 'updated' as const,
        }
      : undefined;
    return { ...base, issue, jobSummary: jobBody, scheduleDisabled: false, notes: [] };
  }
  // Someone closed it, but the migration needs them again.
  const reopen = summary.outcome === 'attention' && existing?.state === 'closed';
  let issue: NonNullable<FinalizeResult['issue']>;
  if (existing === undefined) {
    issue = { ...(await tracker.createIssue(content, SUMMARY_LABEL)), action: 'created' };
  } else if (existing.body === summary.body && !reopen) {
    issue = { ...existing, action: 'unchanged' };
  } else {
    issue = {
      ...(await tracker.updateIssue(existing.number, content, { reopen })),
      action: 'updated',
    };
  }
  const notes: string[] = [];
  let scheduleDisabled = false;
  if (summary.outcome === 'done' && options.disableScheduleWhenDone) {
    const workflow = workflowFile(options.run);
    if (workflow === undefined) {
      notes.push('The schedule was not disabled: GITHUB_WORKFLOW_REF does not name the workflow.');
    } else {
      try {
        await tracker.disableWorkflow(workflow);
        scheduleDisabled = true;
      } catch (error) {
        notes.push(
          `The schedule was not disabled (${messageOf(error)}): give the finalize job \`actions: write\`, or disable the workflow by hand.`,
        );
      }
    }
  }
  const jobSummary = `${jobBody}\nSummary issue: [#${String(issue.number)}](${issue.url}) (${issue.action}).\n`;
  return { ...base, issue, jobSummary, scheduleDisabled, notes };
}
