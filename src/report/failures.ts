import type { FailureClass } from '../errors.ts';
import type { FileRecord } from '../ledger/records.ts';
import type { ShardLedger } from './shards.ts';

const EXAMPLES_PER_CLASS = 3;

export interface FailureGroup {
  readonly failureClass: FailureClass;
  readonly count: number;
  readonly examples: { path: string; reason: string }[];
}

/** Failed files grouped by class, largest group first, with a few examples each. */
export function failuresByClass(
  records: Iterable<FileRecord>,
  examplesPerClass = EXAMPLES_PER_CLASS,
): FailureGroup[] {
  const groups = new Map<FailureClass, FailureGroup>();
  for (const record of records) {
    if (record.status !== 'failed' || record.deletedAt !== undefined) continue;
    const failureClass = record.failure?.failureClass ?? 'unknown';
    const group = groups.get(failureClass) ?? { failureClass, count: 0, examples: [] };
    if (group.examples.length < examplesPerClass) {
      group.examples.push({ path: record.path, reason: record.failure?.reason ?? '' });
    }
    groups.set(failureClass, { ...group, count: group.count + 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export interface FailedFile {
  readonly shard: string;
  readonly record: FileRecord;
}

/** Every failed (and not since deleted) file of every shard, by class then path. */
export function failedFiles(shards: readonly ShardLedger[]): FailedFile[] {
  const failed: FailedFile[] = [];
  for (const { shard, ledger } of shards) {
    if (ledger === undefined) continue;
    for (const record of ledger.records()) {
      if (record.status === 'failed' && record.deletedAt === undefined)
        failed.push({ shard, record });
    }
  }
  const classOf = (file: FailedFile): string => file.record.failure?.failureClass ?? 'unknown';
  return failed.sort(
    (a, b) => classOf(a).localeCompare(classOf(b)) || a.record.path.localeCompare(b.record.path),
  );
}

const DELETION_EXAMPLES = 10;

export interface Deletions {
  readonly count: number;
  /** The most recent first. `object`: what became of the file's object in S3. */
  readonly examples: { path: string; key: string; deletedAt: string; object: string }[];
}

/** Files deleted in Dropbox since they were listed, with the latest few. */
export function deletionsOf(
  records: Iterable<FileRecord>,
  examples = DELETION_EXAMPLES,
): Deletions {
  const deleted = [...records].filter((record) => record.deletedAt !== undefined);
  deleted.sort((a, b) => (b.deletedAt ?? '').localeCompare(a.deletedAt ?? ''));
  return {
    count: deleted.length,
    examples: deleted.slice(0, examples).map((record) => ({
      path: record.path,
      key: record.key,
      deletedAt: record.deletedAt ?? '',
      object: objectState(record),
    })),
  };
}

/** What became of a deleted file's object in S3, in words. */
function objectState(record: FileRecord): string {
  switch (record.objectsRemoved?.outcome) {
    case 'deleted':
      return 'deleted';
    case 'not_ours':
      return 'kept: someone else replaced it';
    case 'absent':
      return 'already gone';
    case undefined:
      return record.status === 'migrated' || record.migratedKey !== undefined
        ? 'kept'
        : 'never migrated';
  }
}
