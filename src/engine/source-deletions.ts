import type { Ledger } from '../ledger/ledger.ts';
import type { FileRecord, ObjectRemoval } from '../ledger/records.ts';
import { eachConcurrently } from './each-concurrently.ts';
import type { Target } from './target.ts';

const CONCURRENCY = 8;

export interface RemovalResult {
  /** Objects deleted. */
  readonly removed: number;
  /** Objects left because their `dropbox-id` says this tool did not write them for that file. */
  readonly notOurs: number;
}

/**
 * `--on-source-delete delete`: the objects of files deleted in Dropbox, and the objects left at a
 * moved file's old key once its new key is migrated, are deleted — but only an object whose stored
 * `dropbox-id` is that file's id, so an object someone else put at the key is never touched. Each
 * record is dealt with once (`objectsRemoved`, or its `staleKey` cleared).
 */
export async function removeDeletedObjects(
  ledger: Ledger,
  target: Target,
  now: () => string,
  stopped: () => boolean,
): Promise<RemovalResult> {
  let removed = 0;
  let notOurs = 0;
  const removeOne = async (record: FileRecord): Promise<void> => {
    let outcome: ObjectRemoval['outcome'] = 'absent';
    for (const key of keysToRemove(record)) {
      const head = await target.head(key);
      if (head === undefined) continue;
      if (head.sourceId !== record.id) {
        notOurs += 1;
        if (outcome === 'absent') outcome = 'not_ours';
        continue;
      }
      await target.delete(key);
      removed += 1;
      outcome = 'deleted';
    }
    const { staleKey: _staleKey, ...rest } = record;
    ledger.put(
      record.deletedAt === undefined ? rest : { ...rest, objectsRemoved: { at: now(), outcome } },
    );
  };
  await eachConcurrently(candidates(ledger), CONCURRENCY, removeOne, stopped);
  return { removed, notOurs };
}

function candidates(ledger: Ledger): FileRecord[] {
  return [...ledger.records()].filter(
    (record) =>
      (record.deletedAt !== undefined && record.objectsRemoved === undefined) ||
      record.staleKey !== undefined,
  );
}

/**
 * A deleted file's object is at its key (or at the key of a rev migrated before a move); a live
 * file's only object to remove is the one at its old key.
 */
function keysToRemove(record: FileRecord): string[] {
  const keys =
    record.deletedAt === undefined
      ? [record.staleKey]
      : [record.key, record.migratedKey, record.staleKey];
  return [
    ...new Set(
      keys.filter(
        (key): key is string =>
          key !== undefined && (record.deletedAt !== undefined || key !== record.key),
      ),
    ),
  ];
}
