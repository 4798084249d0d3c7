import { formatBytes, formatDuration } from '../format.ts';
import type { PinnedSettings } from '../ledger/records.ts';
import { escapeMarkdown, tableCell } from './escape.ts';
import { deletionsOf } from './failures.ts';
import { count } from './issue-text.ts';
import type { Overall } from './overall.ts';
import { workflowFile, type RunContext } from './run-context.ts';
import type { ShardLedger, ShardState } from './shards.ts';

// The summary issue's sections that always fit: each a list of Markdown lines, ending blank.

const DELETION_ROWS = 10;
/** Rows of the per-shard table at most; shards that need nothing are left out first. */
const SHARD_ROWS = 64;

export function sourceSection(settings: PinnedSettings | undefined): string[] {
  if (settings === undefined) return ['No shard has a ledger yet: nothing has run.', ''];
  const source = settings.sourcePath === '' ? 'the whole account' : settings.sourcePath;
  return [
    `Source: ${escapeMarkdown(source)}; keys in ${escapeMarkdown(settings.keyCase)} case.`,
    '',
  ];
}

export function totalsSection(sum: Overall, shardCount: number): string[] {
  const work =
    sum.chunks === 0
      ? 'No chunk has run yet.'
      : `${sum.chunksTrimmed ? 'At least ' : ''}${count(sum.chunks, 'chunk')} over ${count(shardCount, 'shard')}, ${formatDuration(sum.workMs)} of work, ` +
        `from ${sum.firstStart ?? '?'} to ${sum.lastEnd ?? '?'} (about ${count(sum.runs, 'run')}).` +
        eta(sum);
  return [
    '### Totals',
    '',
    '| | Files | Size |',
    '| --- | ---: | ---: |',
    `| Migrated | ${String(sum.migrated)} | ${formatBytes(sum.bytesMigrated)} |`,
    `| Failed | ${String(sum.failed)} | |`,
    `| Pending | ${String(sum.pending)} | ${formatBytes(sum.bytesPending)} |`,
    `| Deleted in Dropbox since listed | ${String(sum.deleted)} | |`,
    `| Known to the ledgers | ${String(sum.files)} | |`,
    '',
    work,
    '',
  ];
}

/** Chunk time left at the rate so far, when there is something to say. */
function eta(sum: Overall): string {
  if (sum.bytesPending === 0 || sum.rate <= 0) return '';
  return (
    ` At ${formatBytes(Math.round(sum.rate))}/s over all shards, the pending files need about ` +
    `${formatDuration((sum.bytesPending / sum.rate) * 1000)} of chunk time.`
  );
}

export function exportsSection(sum: Overall): string[] {
  if (sum.exports === 0) return [];
  const formats = [...sum.exportFormats.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([format, count]) => `${escapeMarkdown(format)} ${String(count)}`)
    .join(', ');
  return [
    '### Exports',
    '',
    `${count(sum.exports, 'Paper or Google document')} ${sum.exports === 1 ? 'is' : 'are'} stored as ${sum.exports === 1 ? 'its' : 'their'} export (${formats}).`,
    '',
  ];
}

export function deletionsSection(shards: readonly ShardLedger[]): string[] {
  const records = shards.flatMap(({ ledger }) =>
    ledger === undefined ? [] : [...ledger.records()],
  );
  const deletions = deletionsOf(records, DELETION_ROWS);
  if (deletions.count === 0) return [];
  const more = deletions.count - deletions.examples.length;
  return [
    '### Deleted in Dropbox',
    '',
    `${count(deletions.count, 'file')} ${deletions.count === 1 ? 'was' : 'were'} deleted in Dropbox after being listed. Objects of deleted files are kept unless the migration runs with \`on-source-delete: delete\`. Latest first:`,
    '',
    '| Path | Deleted | Object |',
    '| --- | --- | --- |',
    ...deletions.examples.map(
      (example) =>
        `| ${tableCell(example.path)} | ${tableCell(example.deletedAt)} | ${tableCell(example.object)} |`,
    ),
    ...(more > 0 ? ['', `\u2026 and ${String(more)} more.`] : []),
    '',
  ];
}

export function shardsSection(
  shards: readonly ShardLedger[],
  states: readonly ShardState[],
): string[] {
  if (shards.length <= 1) return [];
  // Shards that need nothing go last, so a cut table still shows every one that does.
  const order = shards
    .map((shard, index) => ({ shard, state: states[index] }))
    .sort((a, b) => Number(a.state?.kind === 'done') - Number(b.state?.kind === 'done'));
  const shown = order.slice(0, SHARD_ROWS);
  const done = order.slice(SHARD_ROWS).filter(({ state }) => state?.kind === 'done').length;
  const rest = order.length - shown.length;
  return [
    '### Shards',
    '',
    '| Shard | State | Migrated | Pending | Failed | Chunks |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...shown.map(({ shard: { shard, ledger }, state }) => {
      const totals = ledger?.totals();
      return `| ${tableCell(shard)} | ${state?.kind ?? 'missing'} | ${String(totals?.migrated ?? 0)} | ${String(totals?.pending ?? 0)} | ${String(totals?.failed ?? 0)} | ${String(ledger?.chunks.length ?? 0)} |`;
    }),
    ...(rest > 0
      ? ['', `\u2026 and ${count(rest, 'more shard')} (${String(done)} of them done).`]
      : []),
    '',
  ];
}

export function runsSection(run: RunContext): string[] {
  if (run.repository === '') return [];
  const base = `${run.serverUrl}/${run.repository}/actions`;
  const file = workflowFile(run);
  const links = [
    `[the workflow\u2019s runs](${encodeURI(file === undefined ? base : `${base}/workflows/${file}`)})`,
  ];
  if (run.runId !== undefined && /^\d+$/.test(run.runId)) {
    links.push(`[the run that wrote this](${encodeURI(`${base}/runs/${run.runId}`)})`);
  }
  return ['### Runs', '', `See ${links.join(' and ')}.`, ''];
}
