import type { Config } from '../config/config.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { LedgerView } from '../ledger/ledger.ts';
import type { FileRecord } from '../ledger/records.ts';
import { printable } from '../report/escape.ts';
import { deletionsOf, failuresByClass } from '../report/failures.ts';
import { EXIT } from './exit-codes.ts';

function deletedNote(records: Iterable<FileRecord>): string {
  let removed = 0;
  for (const record of records) if (record.objectsRemoved !== undefined) removed += 1;
  return removed === 0
    ? '(their objects are kept)'
    : `(${String(removed)} dealt with by --on-source-delete delete)`;
}

/** Large files part-way through their upload (checkpointed by a chunk that ran out of time). */
function inProgressLine(records: Iterable<FileRecord>): string[] {
  let files = 0;
  let done = 0;
  let size = 0;
  for (const record of records) {
    if (record.checkpoint === undefined || record.status !== 'pending') continue;
    files += 1;
    done += record.checkpoint.offset;
    size += record.size;
  }
  if (files === 0) return [];
  return [
    `    in progress: ${String(files)} files, ${formatBytes(done)} of ${formatBytes(size)} uploaded`,
  ];
}

/** `dropbox-to-s3 status`: what the ledger says. */
export async function runStatus(config: Config): Promise<number> {
  const ledger = await LedgerView.inspect(config.ledgerDir);
  if (ledger === undefined) {
    process.stderr.write(
      `No ledger in ${config.ledgerDir}: nothing has been migrated with these --ledger and --shard settings yet.\n`,
    );
    // Scripts reading --json get the same shape, with nothing in it.
    if (config.json) {
      process.stdout.write(
        `${JSON.stringify({ settings: null, total: null, done: false, failures: [], deletions: { count: 0, examples: [] }, chunks: [] })}\n`,
      );
    }
    return EXIT.ok;
  }
  const totals = ledger.totals();
  const failures = failuresByClass(ledger.records());
  const deletions = deletionsOf(ledger.records());
  const chunks = ledger.chunks.slice(-5);
  const done = totals.pending === 0 && ledger.cursor?.complete === true;
  if (config.json) {
    process.stdout.write(
      `${JSON.stringify({ settings: ledger.settings, total: totals, done, failures, deletions, chunks })}\n`,
    );
    return EXIT.ok;
  }
  const { settings } = ledger;
  const lines = [
    `Migration of ${settings.sourcePath || 'the whole account'} to s3://${settings.bucket}/${settings.prefix} (shard ${settings.shard}, keys: ${settings.keyCase} case)`,
    `  migrated  ${String(totals.migrated)} files, ${formatBytes(totals.bytesMigrated)}` +
      (totals.exports === 0 ? '' : ` (${String(totals.exports)} of them exported documents)`),
    `  pending   ${String(totals.pending)} files, ${formatBytes(totals.bytesPending)}`,
    ...inProgressLine(ledger.records()),
    `  failed    ${String(totals.failed)} files`,
    `  deleted in Dropbox since listed: ${String(totals.deleted)} ${deletedNote(ledger.records())}`,
    done ? '  Done: nothing is pending.' : '  Not done yet: run migrate again.',
  ];
  if (failures.length > 0) {
    lines.push('', 'Failures by class:');
    for (const group of failures) {
      lines.push(`  ${group.failureClass}: ${String(group.count)}`);
      for (const example of group.examples) {
        lines.push(`    ${printable(example.path)}: ${printable(example.reason)}`);
      }
    }
  }
  if (deletions.count > 0) {
    lines.push(
      '',
      'Deleted in Dropbox (latest first; objects are kept unless --on-source-delete delete):',
    );
    for (const example of deletions.examples) {
      lines.push(`  ${printable(example.path)} (${example.deletedAt}): object ${example.object}`);
    }
    if (deletions.count > deletions.examples.length) {
      lines.push(`  … and ${String(deletions.count - deletions.examples.length)} more`);
    }
  }
  if (chunks.length > 0) {
    lines.push('', 'Recent chunks:');
    for (const chunk of chunks) {
      lines.push(
        `  ${chunk.startedAt}  ${String(chunk.migrated)} migrated, ${formatBytes(chunk.bytes)}, ` +
          `${String(chunk.failed)} failed, ${formatDuration(chunk.durationMs)}, stopped: ${chunk.stoppedBy}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
