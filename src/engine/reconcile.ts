import type { Ledger } from '../ledger/ledger.ts';
import type { FileRecord } from '../ledger/records.ts';
import type { Target } from './target.ts';

const HEAD_CONCURRENCY = 16;

export interface ReconcileResult {
  readonly listed: number;
  readonly checked: number;
  readonly confirmed: number;
}

/**
 * S3 is the truth: with a new or rebuilt ledger, objects already in the bucket whose key and size
 * match a pending file, and whose stored content hash (read with HEAD) matches Dropbox's, are
 * counted as migrated instead of being copied again.
 */
export async function reconcile(
  ledger: Ledger,
  target: Target,
  prefix: string,
  now: () => string,
  /** The tool's own area (the manifest): never a migrated file, even with an empty prefix. */
  reservedPrefix?: string,
): Promise<ReconcileResult> {
  const pending = new Map<string, FileRecord>();
  for (const record of ledger.records()) {
    if (record.status === 'pending' && record.deletedAt === undefined)
      pending.set(record.key, record);
  }
  if (pending.size === 0) return { listed: 0, checked: 0, confirmed: 0 };

  let listed = 0;
  const candidates: FileRecord[] = [];
  for await (const object of target.list(prefix === '' ? '' : `${prefix}/`)) {
    if (reservedPrefix !== undefined && object.key.startsWith(reservedPrefix)) continue;
    listed += 1;
    const record = pending.get(object.key);
    if (record !== undefined && record.size === object.size) candidates.push(record);
  }

  let confirmed = 0;
  let index = 0;
  const worker = async (): Promise<void> => {
    for (let record = candidates[index++]; record !== undefined; record = candidates[index++]) {
      const head = await target.head(record.key);
      if (head?.contentHash === record.contentHash && head.size === record.size) {
        confirmed += 1;
        ledger.put({ ...record, status: 'migrated', migratedAt: now() });
      }
    }
  };
  await Promise.all(Array.from({ length: HEAD_CONCURRENCY }, worker));
  return { listed, checked: candidates.length, confirmed };
}
