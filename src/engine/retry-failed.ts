import type { Ledger } from '../ledger/ledger.ts';

export interface RetryFailedResult {
  /** Failed files made pending again. */
  readonly requeued: number;
  /** A line for the person who asked, saying what happened (or why nothing did). */
  readonly note: string;
}

/**
 * `--retry-failed [class]`: after someone fixed the cause (a permission, a held file), failed
 * files of every class, or of one, become pending again with their attempts and failure cleared,
 * so this chunk tries them as if they were new. Files deleted in Dropbox stay as they are.
 */
export function retryFailures(ledger: Ledger, which: true | string): RetryFailedResult {
  const classes = new Map<string, number>();
  let requeued = 0;
  for (const record of [...ledger.records()]) {
    if (record.status !== 'failed' || record.deletedAt !== undefined) continue;
    const failureClass = record.failure?.failureClass ?? 'unknown';
    classes.set(failureClass, (classes.get(failureClass) ?? 0) + 1);
    if (which !== true && failureClass !== which) continue;
    const { failure: _failure, ...rest } = record;
    ledger.put({ ...rest, status: 'pending', attempts: 0 });
    requeued += 1;
  }
  return { requeued, note: describe(which, requeued, classes) };
}

function describe(which: true | string, requeued: number, classes: Map<string, number>): string {
  const files = (count: number): string => `${String(count)} failed file${count === 1 ? '' : 's'}`;
  if (which === true) {
    return requeued === 0
      ? '--retry-failed: no failed files to retry.'
      : `--retry-failed: ${files(requeued)} made pending again.`;
  }
  if (requeued > 0) return `--retry-failed ${which}: ${files(requeued)} made pending again.`;
  const present = [...classes].map(([name, count]) => `${name} (${String(count)})`).join(', ');
  return (
    `--retry-failed ${which}: no failed file has the class ${which}; nothing was changed. ` +
    (present === '' ? 'No file has failed.' : `Failed files have these classes: ${present}.`)
  );
}
