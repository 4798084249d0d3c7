import { KEPT_CHUNKS } from '../ledger/ledger.ts';
import type { ShardLedger } from './shards.ts';

/** Every shard's ledger added up, for the summary's totals. */
export interface Overall {
  files: number;
  migrated: number;
  exports: number;
  failed: number;
  pending: number;
  deleted: number;
  bytesMigrated: number;
  bytesPending: number;
  chunks: number;
  /** The most chunks one shard ran: about the number of workflow runs. */
  runs: number;
  /** Bytes per second of chunk time, summed over shards (they run side by side). */
  rate: number;
  workMs: number;
  firstStart: string | undefined;
  lastEnd: string | undefined;
  /** A ledger keeps its last KEPT_CHUNKS chunks: older ones are not counted. */
  chunksTrimmed: boolean;
  exportFormats: Map<string, number>;
}

export function overall(shards: readonly ShardLedger[]): Overall {
  const sum: Overall = {
    files: 0,
    migrated: 0,
    exports: 0,
    failed: 0,
    pending: 0,
    deleted: 0,
    bytesMigrated: 0,
    bytesPending: 0,
    chunks: 0,
    runs: 0,
    rate: 0,
    workMs: 0,
    firstStart: undefined,
    lastEnd: undefined,
    chunksTrimmed: false,
    exportFormats: new Map(),
  };
  for (const { ledger } of shards) {
    if (ledger === undefined) continue;
    const totals = ledger.totals();
    sum.files += totals.files;
    sum.migrated += totals.migrated;
    sum.exports += totals.exports;
    sum.failed += totals.failed;
    sum.pending += totals.pending;
    sum.deleted += totals.deleted;
    sum.bytesMigrated += totals.bytesMigrated;
    sum.bytesPending += totals.bytesPending;
    sum.chunks += ledger.chunks.length;
    sum.runs = Math.max(sum.runs, ledger.chunks.length);
    const shardMs = ledger.chunks.reduce((total, chunk) => total + chunk.durationMs, 0);
    const shardBytes = ledger.chunks.reduce((total, chunk) => total + chunk.bytes, 0);
    if (shardMs > 0) sum.rate += shardBytes / (shardMs / 1000);
    if (ledger.chunks.length >= KEPT_CHUNKS) sum.chunksTrimmed = true;
    for (const chunk of ledger.chunks) {
      sum.workMs += chunk.durationMs;
      const end = new Date(Date.parse(chunk.startedAt) + chunk.durationMs).toISOString();
      if (sum.firstStart === undefined || chunk.startedAt < sum.firstStart) {
        sum.firstStart = chunk.startedAt;
      }
      if (sum.lastEnd === undefined || end > sum.lastEnd) sum.lastEnd = end;
    }
    for (const record of ledger.records()) {
      if (record.status !== 'migrated' || record.exportFormat === undefined) continue;
      const format = record.exportFormat;
      sum.exportFormats.set(format, (sum.exportFormats.get(format) ?? 0) + 1);
    }
  }
  return sum;
}
