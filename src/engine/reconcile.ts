import type { Ledger } from '../ledger/ledger.ts';
import type { FileRecord } from '../ledger/records.ts';
import { isTextLike } from './compression.ts';
import type { ObjectHead, Target } from './target.ts';

const HEAD_CONCURRENCY = 16;

export interface ReconcileResult {
  readonly listed: number;
  readonly checked: number;
  readonly confirmed: number;
}

/**
 * S3 is the truth: with a new or rebuilt ledger, objects already in the bucket whose key and size
 * match a pending file, and whose stored content hash (read with HEAD) matches Dropbox's, are
 * counted as migrated instead of being copied again. A gzipped object (`--compress text`) is
 * smaller than its file: a text-like key with a smaller object is checked too, and confirmed by
 * the size and hash of the original recorded in its metadata.
 *
 * A document's export has no size or hash before it is exported, and a document changes only with
 * a new rev: its object is confirmed by the rev and export format in its metadata instead.
 */
export async function reconcile(
  ledger: Ledger,
  target: Target,
  options: {
    /** Key prefix of migrated objects ('' for none). */
    readonly prefix: string;
    /** The tool's own area (ledger, manifest): never a migrated file, even with an empty prefix. */
    readonly toolPrefix: string;
    readonly now: () => string;
  },
): Promise<ReconcileResult> {
  const { prefix, toolPrefix, now } = options;
  const pending = new Map<string, FileRecord>();
  for (const record of ledger.records()) {
    // A file verify found corrupt in S3 is pending to be copied again: its object looks right.
    const corrupt = record.failure?.failureClass === 'hash_mismatch';
    if (record.status === 'pending' && record.deletedAt === undefined && !corrupt)
      pending.set(record.key, record);
  }
  if (pending.size === 0) return { listed: 0, checked: 0, confirmed: 0 };

  let listed = 0;
  const candidates: FileRecord[] = [];
  for await (const object of target.list(prefix === '' ? '' : `${prefix}/`)) {
    if (object.key.startsWith(toolPrefix)) continue;
    listed += 1;
    const record = pending.get(object.key);
    if (record === undefined) continue;
    const maybeGzipped = object.size < record.size && isTextLike(record.key);
    if (record.exportFormat !== undefined || record.size === object.size || maybeGzipped) {
      candidates.push(record);
    }
  }

  let confirmed = 0;
  let index = 0;
  const worker = async (): Promise<void> => {
    for (let record = candidates[index++]; record !== undefined; record = candidates[index++]) {
      const head = await target.head(record.key);
      if (head === undefined) continue;
      if (record.exportFormat !== undefined) {
        if (exportStored(record, head)) {
          confirmed += 1;
          // The ledger keeps what the object holds (see FileRecord.size).
          const stored = { size: head.size, contentHash: head.contentHash ?? '' };
          ledger.put({ ...record, ...stored, status: 'migrated', migratedAt: now() });
        }
      } else if (holds(head, record)) {
        confirmed += 1;
        ledger.put({ ...record, status: 'migrated', migratedAt: now() });
      }
    }
  };
  await Promise.all(Array.from({ length: HEAD_CONCURRENCY }, worker));
  return { listed, checked: candidates.length, confirmed };
}

/** The object holds the file's bytes as they are, or gzipped with the original's size recorded. */
function holds(head: ObjectHead, record: FileRecord): boolean {
  if (head.contentHash !== record.contentHash) return false;
  if (head.contentEncoding === 'gzip') return head.originalSize === record.size;
  return head.size === record.size;
}

function exportStored(record: FileRecord, head: ObjectHead): boolean {
  return (
    head.rev === record.rev &&
    head.exportFormat === record.exportFormat &&
    head.contentHash !== undefined
  );
}
