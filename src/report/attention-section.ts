import { adviceFor } from './advice.ts';
import { tableCell } from './escape.ts';
import { count, cut } from './issue-text.ts';
import type { ShardLedger, ShardState } from './shards.ts';

/** Shards named in one attention row; the rest are counted. */
const ATTENTION_SHARDS_NAMED = 8;

export interface AttentionInput {
  readonly shards: readonly ShardLedger[];
  /** The state of each shard, in the order of `shards`. */
  readonly states: readonly ShardState[];
  /** A migrate job of this run failed without its ledger saying why. */
  readonly unexplainedJobFailure: boolean;
}

/** One row of the table: the shards that share it, and the row for their names. */
interface Row {
  readonly shards: string[];
  readonly text: (names: string) => string;
}

/** Shards that share one problem get one row: with hundreds of shards, the same error repeats. */
export function attentionSection(input: AttentionInput): string[] {
  // Rows by what they say (kind, class, message): shards with the same problem share one.
  const rows = new Map<string, Row>();
  input.states.forEach((state, index) => {
    const found = problemOf(state);
    if (found === undefined) return;
    const row = rows.get(found.key) ?? { shards: [], text: found.text };
    row.shards.push(input.shards[index]?.shard ?? String(index));
    rows.set(found.key, row);
  });
  if (input.unexplainedJobFailure) {
    rows.set('job', {
      shards: ['(this run)'],
      text: () =>
        '| this run | a migrate job failed before its chunk could record why (its ledger shows the run before) | ' +
        'Open the failed job\u2019s log (see Runs below): a missing secret or variable, an AWS role that cannot be assumed, or a lost runner. Fix it; scheduled runs keep trying. |',
    });
  }
  if (rows.size === 0) return [];
  return [
    '### Needs attention',
    '',
    'The migration does not advance on its own until this is fixed. Scheduled runs keep trying.',
    '',
    '| Shard | What happened | What to do |',
    '| --- | --- | --- |',
    ...[...rows.values()].map((row) => row.text(shardNames(row.shards))),
    '',
  ];
}

/** What a stuck shard's row says, and the key shards with the same problem share. */
function problemOf(state: ShardState): { key: string; text: Row['text'] } | undefined {
  if (state.kind === 'fatal') {
    const failureClass = state.failureClass.replace(/[^a-z_]/g, '');
    const message = cut(state.message);
    return {
      key: JSON.stringify([state.kind, failureClass, message]),
      text: (names) =>
        `| ${names} | stopped on \`${failureClass}\` at ${tableCell(state.at)}: ${tableCell(message)} | ${adviceFor(failureClass)} |`,
    };
  }
  if (state.kind === 'stalled') {
    return {
      key: JSON.stringify([state.kind, state.chunks]),
      text: (names) =>
        `| ${names} | no file migrated in the last ${String(state.chunks)} chunks; ${count(state.pending, 'file')} pending | ` +
        'Read the last runs\u2019 job summaries and logs: a service may be refusing every request (rate limits, an outage). ' +
        'Files that keep failing become permanent failures after `max-attempts`; a smaller `batch-size` or `concurrency` can help. |',
    };
  }
  return undefined;
}

/** "0/4", or "0/4, 1/4, 2/4 … (12 shards)" when many share a row. */
function shardNames(names: readonly string[]): string {
  const shown = names.slice(0, ATTENTION_SHARDS_NAMED).map(tableCell).join(', ');
  return names.length > ATTENTION_SHARDS_NAMED
    ? `${shown} \u2026 (${count(names.length, 'shard')})`
    : shown;
}
