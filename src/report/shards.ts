import { LedgerView } from '../ledger/ledger.ts';
import type { ChunkSummary } from '../ledger/records.ts';

/** One shard's ledger as finalize found it; `ledger` is undefined when none was restored. */
export interface ShardLedger {
  /** "i/n", as `--shard` writes it. */
  readonly shard: string;
  readonly ledger: LedgerView | undefined;
}

/** Reads each shard's ledger folder (restored by the ledger store) without locking it. */
export async function readShardLedgers(
  shards: readonly { readonly shard: string; readonly dir: string }[],
): Promise<ShardLedger[]> {
  return Promise.all(
    shards.map(async ({ shard, dir }) => ({ shard, ledger: await LedgerView.inspect(dir) })),
  );
}

/** Chunks in a row without progress after which a shard is reported as stalled. */
export const STALLED_AFTER_CHUNKS = 3;

export type ShardState =
  /** No ledger: the shard has not run yet, or its ledger was lost (the next chunk rebuilds it). */
  | { readonly kind: 'missing' }
  | { readonly kind: 'done' }
  | { readonly kind: 'working'; readonly pending: number }
  /** The last chunk stopped on an error that is not about one file (credentials, bucket). */
  | {
      readonly kind: 'fatal';
      readonly failureClass: string;
      readonly message: string;
      readonly at: string;
    }
  /** The last few chunks moved nothing while files are pending. */
  | { readonly kind: 'stalled'; readonly pending: number; readonly chunks: number };

export function shardState(shard: ShardLedger): ShardState {
  const { ledger } = shard;
  if (ledger === undefined) return { kind: 'missing' };
  const chunks = ledger.chunks;
  const last = chunks.at(-1);
  if (last?.stoppedBy === 'fatal') {
    return {
      kind: 'fatal',
      failureClass: last.fatal?.failureClass ?? 'unknown',
      message: last.fatal?.message ?? 'the chunk stopped on an error that is not about one file',
      at: last.startedAt,
    };
  }
  const { pending } = ledger.totals();
  const listed = ledger.cursor?.complete === true;
  if (pending === 0 && listed) return { kind: 'done' };
  // While the listing is incomplete, listing is the progress.
  const recent = chunks.slice(-STALLED_AFTER_CHUNKS);
  if (listed && pending > 0 && recent.length === STALLED_AFTER_CHUNKS && recent.every(idle)) {
    return { kind: 'stalled', pending, chunks: recent.length };
  }
  return { kind: 'working', pending };
}

function idle(chunk: ChunkSummary): boolean {
  return chunk.migrated === 0 && (chunk.checkpointed ?? 0) === 0;
}

export type Outcome = 'done' | 'attention' | 'progress';

/** Done when every shard is; attention when one is stuck; else still in progress. */
export function outcomeOf(states: readonly ShardState[]): Outcome {
  if (states.some((state) => state.kind === 'fatal' || state.kind === 'stalled')) {
    return 'attention';
  }
  return states.length > 0 && states.every((state) => state.kind === 'done') ? 'done' : 'progress';
}
