import type { MigrationError } from '../errors.ts';
import type { LedgerView } from '../ledger/ledger.ts';
import { checkedObjectKey, type KeyCase, type KeyRules } from './keys.ts';
import type { Shard } from './shard.ts';

export interface EmptyFolder {
  readonly pathLower: string;
  /** The Dropbox path, each component in the case of its own entry. */
  readonly path: string;
  /** `<key>/`: where its zero-byte marker goes, or why it cannot have one. */
  readonly key: string | MigrationError;
}

export interface FolderKeySettings {
  readonly sourcePath: string;
  readonly prefix: string;
  readonly toolPrefix: string;
  readonly keyCase: KeyCase;
  readonly keyLimits: KeyRules['limits'];
}

/**
 * Folders below the source with nothing at all below them in Dropbox: no file of any shard, no
 * folder. Only shard 0 answers (it is the one that records empty folders, so they are not written
 * once per shard); with several shards it needs the other shards' file paths its inventory keeps,
 * and answers undefined for a ledger that has not kept them since its listing began.
 */
export function emptyFolders(
  ledger: LedgerView,
  shard: Shard,
  settings: FolderKeySettings,
): EmptyFolder[] | undefined {
  if (shard.index !== 0) return [];
  const others = ledger.otherShardFiles;
  if (shard.count > 1 && others === undefined) return undefined;

  const occupied = new Set<string>();
  const fill = (pathLower: string): void => {
    for (let parent = parentOf(pathLower); parent !== '' && !occupied.has(parent);) {
      occupied.add(parent);
      parent = parentOf(parent);
    }
  };
  for (const record of ledger.records()) if (record.deletedAt === undefined) fill(record.pathLower);
  for (const pathLower of others ?? []) fill(pathLower);
  for (const [pathLower] of ledger.folderPaths()) fill(pathLower);

  const empty: EmptyFolder[] = [];
  for (const [pathLower, path] of ledger.folderPaths()) {
    if (occupied.has(pathLower)) continue;
    const relative = (settings.keyCase === 'lower' ? pathLower : path).slice(
      settings.sourcePath.length,
    );
    const key = checkedObjectKey(settings.prefix, `${relative}/`, {
      limits: settings.keyLimits,
      toolPrefix: settings.toolPrefix,
    });
    empty.push({ pathLower, path, key });
  }
  return empty;
}

function parentOf(pathLower: string): string {
  return pathLower.slice(0, pathLower.lastIndexOf('/'));
}
