import { fatal, messageOf, MigrationError } from '../errors.ts';
import type { CursorState, FileRecord } from '../ledger/records.ts';
import type { Clock } from './clock.ts';
import {
  collision,
  exportCollidesWith,
  exportedPathLower,
  exportSourcePath,
  planExport,
  type ExportSettings,
} from './export-plan.ts';
import { checkedObjectKey, objectKey, type KeyCase, type KeyRules } from './keys.ts';
import type { PathFilter } from './filters.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import { inShard, type Shard } from './shard.ts';
import {
  CursorResetError,
  type ListPage,
  type Source,
  type SourceDeleted,
  type SourceEntry,
  type SourceFile,
} from './source.ts';

const LIST_RETRY: RetryPolicy = { tries: 6, baseDelayMs: 1000, maxDelayMs: 30_000 };
/**
 * Server errors and timeouts on a recursive listing are tried this often before listing folder by
 * folder: on a huge tree they repeat, and waiting through a full backoff only delays the fallback.
 */
const RECURSIVE_TRIES = 2;

/** The recursive listing failed in a way that folder-by-folder listing may get around. */
class RecursiveListingFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'RecursiveListingFailed';
  }
}

export interface InventorySettings {
  readonly sourcePath: string;
  readonly prefix: string;
  readonly keyCase: KeyCase;
  readonly shard: Shard;
  readonly exports: ExportSettings;
  /** --include / --exclude; everything when absent. */
  readonly filter?: PathFilter;
  /** Keys may not start with this (the tool prefix): such files fail as `reserved_key`. */
  readonly toolPrefix?: string;
  /** The target's key limit: longer keys fail as `key_too_long`. */
  readonly keyLimits: KeyRules['limits'];
  /** Keep other shards' file paths in the ledger (shard 0 of several, to tell empty folders). */
  readonly recordOtherShards?: boolean;
}

/**
 * What the inventory reads and writes: the ledger for `migrate` and `verify`; `plan` hands it a
 * tally that counts what would be recorded and keeps almost none of it.
 */
export interface InventoryLedger {
  readonly cursor: CursorState | null;
  /** Number of file records. */
  readonly size: number;
  readonly otherShardFiles: ReadonlySet<string> | undefined;
  get(id: string): FileRecord | undefined;
  atPath(pathLower: string): FileRecord | undefined;
  records(): IterableIterator<FileRecord>;
  folderPath(pathLower: string): string | undefined;
  folderPaths(): IterableIterator<[string, string]>;
  put(record: FileRecord): void;
  setFolder(pathLower: string, path: string | null): void;
  setCursor(state: CursorState | null): void;
  resetOtherShardFiles(): void;
  setOtherShardFile(pathLower: string, present: boolean): void;
}

export interface InventoryResult {
  /** The whole folder was listed (first chunk, a reset cursor), not just changes. */
  readonly fullListing: boolean;
  readonly fellBackToFolders: boolean;
  readonly listCalls: number;
  readonly added: number;
  readonly changed: number;
  readonly moved: number;
  readonly deleted: number;
  /** Files recorded as permanent failures without a transfer (key too long, not downloadable). */
  readonly failed: number;
  /** Documents left out by `--exports skip` (seen in this run's listing). */
  readonly skippedExports: number;
}

export interface InventoryOptions {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly now: () => string;
  readonly log: (line: string) => void;
  /** A listed file that is not recorded: left out by --include/--exclude or by `--exports skip`. */
  readonly onLeftOut?: (file: SourceFile, why: 'filter' | 'exports_skip') => void;
}

/**
 * Brings the ledger up to date with Dropbox: the whole listing the first time (resumable page by
 * page), afterwards only the changes since the saved cursor. New and changed files become pending,
 * moved files are queued under their new key, deletions are recorded (never applied to S3).
 */
export async function updateInventory(
  ledger: InventoryLedger,
  source: Source,
  settings: InventorySettings,
  options: InventoryOptions,
): Promise<InventoryResult> {
  const run = new InventoryRun(ledger, source, settings, options);
  return run.update();
}

class InventoryRun {
  private listCalls = 0;
  private added = 0;
  private changed = 0;
  private moved = 0;
  private failed = 0;
  private skippedExports = 0;
  /** Ids marked deleted in this run; a file that reappears under a new path was moved instead. */
  private readonly deletedIds = new Set<string>();
  /** Folders deleted in the page being applied, whose contents are not swept yet. */
  private readonly deletedFolders = new Set<string>();
  /**
   * File ids and folder paths seen by a listing of everything made in this run; null when this
   * run does not list everything from its start (a delta, or a listing resumed from a cursor).
   */
  private seen: { files: Set<string>; folders: Set<string> } | null = null;
  private readonly ledger: InventoryLedger;
  private readonly source: Source;
  private readonly settings: InventorySettings;
  private readonly options: InventoryOptions;

  constructor(
    ledger: InventoryLedger,
    source: Source,
    settings: InventorySettings,
    options: InventoryOptions,
  ) {
    this.ledger = ledger;
    this.source = source;
    this.settings = settings;
    this.options = options;
  }

  async update(): Promise<InventoryResult> {
    const saved = this.ledger.cursor;
    let fullListing = saved === null || !saved.complete;
    let fellBackToFolders = false;
    try {
      if (saved !== null) await this.follow(saved.cursor);
      else fellBackToFolders = await this.listEverything();
    } catch (error) {
      if (!(error instanceof CursorResetError)) throw error;
      this.options.log('The saved listing cursor was reset by Dropbox; listing everything again.');
      this.ledger.setCursor(null);
      fullListing = true;
      fellBackToFolders = await this.listEverything();
    }
    this.forgetUnseen();
    if (this.skippedExports > 0) {
      this.options.log(
        `Left out ${String(this.skippedExports)} Paper or Google document(s) (--exports skip).`,
      );
    }
    return {
      fullListing,
      fellBackToFolders,
      listCalls: this.listCalls,
      added: this.added,
      changed: this.changed,
      moved: this.moved,
      deleted: this.deletedIds.size,
      failed: this.failed,
      skippedExports: this.skippedExports,
    };
  }

  /** A recursive listing, falling back to folder by folder when Dropbox cannot list recursively. */
  private async listEverything(): Promise<boolean> {
    // With nothing recorded before, nothing can go unseen: no set of every id is needed.
    const empty = this.ledger.size === 0 && this.ledger.folderPaths().next().done === true;
    this.seen = empty ? null : { files: new Set(), folders: new Set() };
    if (this.settings.recordOtherShards === true) this.ledger.resetOtherShardFiles();
    let first: ListPage;
    try {
      first = await this.listRecursively();
    } catch (error) {
      if (error instanceof MigrationError && error.kind === 'fatal') throw error;
      if (error instanceof MigrationError && error.failureClass === 'not_found') {
        throw fatal(
          'not_found',
          `--source-path ${this.settings.sourcePath} does not exist in this Dropbox account.`,
        );
      }
      this.options.log(`Recursive listing failed (${messageOf(error)}); listing folder by folder.`);
      await this.listFolderByFolder();
      return true;
    }
    this.applyPage(first);
    if (first.hasMore) await this.follow(first.cursor);
    else this.ledger.setCursor({ cursor: first.cursor, complete: true });
    return false;
  }

  /** The first page of a recursive listing; server errors give up early (see RECURSIVE_TRIES). */
  private async listRecursively(): Promise<ListPage> {
    let serverFailures = 0;
    return this.call(async () => {
      try {
        return await this.source.list(this.settings.sourcePath, true);
      } catch (error) {
        const serverSide =
          error instanceof MigrationError &&
          error.kind === 'retryable' &&
          (error.failureClass === 'server_error' || error.failureClass === 'timeout');
        if (serverSide && ++serverFailures >= RECURSIVE_TRIES) {
          throw new RecursiveListingFailed(error);
        }
        throw error;
      }
    });
  }

  /**
   * A listing of everything reports only what exists: whatever the ledger still holds as live but
   * the listing no longer showed was deleted while no cursor covered it (a reset cursor).
   */
  private forgetUnseen(): void {
    const seen = this.seen;
    if (seen === null || this.ledger.cursor?.complete !== true) return;
    const gone = [...this.ledger.records()].filter(
      (record) =>
        record.deletedAt === undefined &&
        this.isBelowSource(record.pathLower) &&
        !seen.files.has(record.id),
    );
    for (const record of gone) this.markDeleted(record);
    const folders = [...this.ledger.folderPaths()].filter(([lower]) => !seen.folders.has(lower));
    for (const [lower] of folders) this.ledger.setFolder(lower, null);
  }

  /** Pages through a cursor to the end, saving it after each page so a kill loses one page. */
  private async follow(cursor: string): Promise<void> {
    for (let next = cursor; ;) {
      const page = await this.call(() => this.source.listContinue(next));
      this.applyPage(page);
      this.ledger.setCursor({ cursor: page.cursor, complete: !page.hasMore });
      if (!page.hasMore) return;
      next = page.cursor;
    }
  }

  private async listFolderByFolder(): Promise<void> {
    // Taken first, so changes made while we walk the folders show up in the next delta.
    const latest = await this.call(() => this.source.latestCursor(this.settings.sourcePath, true));
    const folders = [this.settings.sourcePath];
    for (let folder = folders.shift(); folder !== undefined; folder = folders.shift()) {
      const path = folder;
      let page = await this.call(() => this.source.list(path, false));
      for (;;) {
        this.applyPage(page);
        for (const entry of page.entries)
          if (entry.kind === 'folder' && this.isIncluded(entry)) folders.push(entry.pathLower);
        if (!page.hasMore) break;
        const cursor = page.cursor;
        page = await this.call(() => this.source.listContinue(cursor));
      }
    }
    this.ledger.setCursor({ cursor: latest, complete: true });
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(
      () => {
        this.listCalls += 1;
        return operation();
      },
      { policy: LIST_RETRY, clock: this.options.clock, signal: this.options.signal },
    );
  }

  /**
   * Applies a page in order. Folder deletions are swept together, once per page (one pass over the
   * ledger, not one per deleted folder), or earlier when an entry inside a deleted folder comes.
   */
  private applyPage(page: ListPage): void {
    for (const entry of page.entries) {
      if (this.insideDeletedFolder(entry.pathLower)) this.sweepDeletedFolders();
      this.applyEntry(entry);
    }
    this.sweepDeletedFolders();
  }

  private insideDeletedFolder(pathLower: string): boolean {
    if (this.deletedFolders.size === 0) return false;
    for (let path = pathLower; path !== ''; path = path.slice(0, path.lastIndexOf('/'))) {
      if (this.deletedFolders.has(path)) return true;
    }
    return false;
  }

  /** Everything below a deleted folder is gone too (Dropbox may report only the folder). */
  private sweepDeletedFolders(): void {
    if (this.deletedFolders.size === 0) return;
    const below = (pathLower: string): boolean =>
      this.insideDeletedFolder(pathLower.slice(0, pathLower.lastIndexOf('/')));
    const gone = [...this.ledger.records()].filter(
      (record) => record.deletedAt === undefined && below(record.pathLower),
    );
    for (const record of gone) this.markDeleted(record);
    const folders = [...this.ledger.folderPaths()].filter(([lower]) => below(lower));
    for (const [lower] of folders) this.ledger.setFolder(lower, null);
    const others = [...(this.ledger.otherShardFiles ?? [])].filter(below);
    for (const lower of others) this.ledger.setOtherShardFile(lower, false);
    this.deletedFolders.clear();
  }

  private applyEntry(entry: SourceEntry): void {
    if (!this.isBelowSource(entry.pathLower)) return;
    if (!this.isIncluded(entry)) {
      this.leaveOut(entry);
      return;
    }
    switch (entry.kind) {
      case 'folder':
        this.seen?.folders.add(entry.pathLower);
        this.ledger.setFolder(entry.pathLower, this.displayPath(entry));
        return;
      case 'file':
        this.seen?.files.add(entry.id);
        this.applyFile(entry);
        return;
      case 'deleted':
        this.applyDeleted(entry);
        return;
    }
  }

  /**
   * --include / --exclude, on the path below the source path. Left-out files are never recorded,
   * so they are not counted, listed as pending, or reconciled; left-out folders are not listed.
   */
  private isIncluded(entry: SourceEntry): boolean {
    const filter = this.settings.filter;
    if (filter === undefined || entry.kind === 'deleted') return true;
    const path = entry.pathLower.slice(this.settings.sourcePath.length + 1);
    return entry.kind === 'file' ? filter.includesFile(path) : filter.includesFolder(path);
  }

  /**
   * A file known to the ledger that moved to a left-out path has left the migration: it is
   * recorded as deleted (its object is kept, like every deleted file's).
   */
  private leaveOut(entry: SourceEntry): void {
    if (entry.kind !== 'file') return;
    this.options.onLeftOut?.(entry, 'filter');
    const known = this.ledger.get(entry.id);
    if (known !== undefined && known.deletedAt === undefined) this.markDeleted(known);
  }

  private isBelowSource(pathLower: string): boolean {
    const source = this.settings.sourcePath.toLowerCase();
    return source === '' || pathLower.startsWith(`${source}/`);
  }

  /**
   * The path with every component in the case of its own entry: Dropbox only guarantees the case
   * of the last component of `path_display`, so parents come from their folder entries.
   */
  private displayPath(entry: SourceEntry): string {
    const cut = entry.pathLower.lastIndexOf('/');
    const parentLower = entry.pathLower.slice(0, cut);
    const parent =
      parentLower === ''
        ? ''
        : (this.ledger.folderPath(parentLower) ??
          entry.pathDisplay.slice(0, entry.pathDisplay.lastIndexOf('/')));
    return `${parent}/${entry.name}`;
  }

  private relative(path: string): string {
    return path.slice(this.settings.sourcePath.length);
  }

  private applyFile(file: SourceFile): void {
    const previous = this.ledger.atPath(file.pathLower);
    if (previous !== undefined && previous.id !== file.id) {
      // Another file now lives at this path (deleted and made again): the old one is gone.
      this.markDeleted(previous);
    }
    if (!inShard(file.id, this.settings.shard)) {
      this.ledger.setOtherShardFile(file.pathLower, true);
      return;
    }

    const path = this.displayPath(file);
    const exported = file.downloadable ? undefined : planExport(file, path, this.settings.exports);
    if (exported?.kind === 'skip') {
      this.skippedExports += 1;
      this.options.onLeftOut?.(file, 'exports_skip');
      return;
    }
    const relative =
      this.relative(this.settings.keyCase === 'lower' ? file.pathLower : path) +
      (exported?.kind === 'export' ? `.${exported.extension}` : '');
    const key = checkedObjectKey(this.settings.prefix, relative, {
      limits: this.settings.keyLimits,
      toolPrefix: this.settings.toolPrefix,
    });
    const existing = this.ledger.get(file.id);
    const keyText = typeof key === 'string' ? key : objectKey(this.settings.prefix, relative);
    const live = existing !== undefined && existing.deletedAt === undefined;
    if (live && existing.rev === file.rev && existing.key === keyText) {
      if (existing.path !== path) this.ledger.put({ ...existing, path });
      return;
    }

    const base: FileRecord = {
      ...pendingRecord(file, path, keyText),
      ...(exported?.kind === 'export' ? { exportFormat: exported.format } : {}),
      // Kept so the chunk can abort the old rev's unfinished upload (it may be under another key).
      ...(existing?.checkpoint === undefined ? {} : { checkpoint: existing.checkpoint }),
    };
    const earlierKey = existing?.status === 'migrated' ? existing.key : existing?.migratedKey;
    const record: FileRecord =
      earlierKey !== undefined && earlierKey !== keyText
        ? { ...base, migratedKey: earlierKey }
        : base;

    // Deleted earlier in this delta and back under another path: a move, not a deletion.
    if (existing?.deletedAt !== undefined) this.deletedIds.delete(existing.id);
    if (existing === undefined) this.added += 1;
    else if (existing.rev === file.rev) this.moved += 1;
    else this.changed += 1;

    if (typeof key !== 'string') this.ledger.put(this.failedRecord(record, key));
    else if (exported?.kind === 'fail') this.ledger.put(this.failedRecord(record, exported.error));
    else if (exported?.kind === 'export') {
      const real = this.ledger.atPath(exportedPathLower(file.pathLower, exported.extension));
      this.ledger.put(
        real === undefined
          ? record
          : this.failedRecord(record, collision(path, keyText, real.path)),
      );
    } else {
      this.ledger.put(record);
      this.yieldKeyTo(file.pathLower, path);
    }
  }

  /** A real file takes the key of a document's export: the real file wins, the export fails. */
  private yieldKeyTo(pathLower: string, path: string): void {
    const source = exportSourcePath(pathLower);
    const document = source === undefined ? undefined : this.ledger.atPath(source);
    if (document === undefined || !exportCollidesWith(document, pathLower)) return;
    if (document.failure?.failureClass === 'key_collision') return;
    this.ledger.put(this.failedRecord(document, collision(document.path, document.key, path)));
  }

  private failedRecord(record: FileRecord, error: MigrationError): FileRecord {
    this.failed += 1;
    return {
      ...record,
      status: 'failed',
      failure: {
        kind: error.kind,
        failureClass: error.failureClass,
        reason: error.message,
        at: this.options.now(),
      },
    };
  }

  private applyDeleted(entry: SourceDeleted): void {
    const record = this.ledger.atPath(entry.pathLower);
    if (record !== undefined) this.markDeleted(record);
    this.ledger.setOtherShardFile(entry.pathLower, false);
    if (this.ledger.folderPath(entry.pathLower) === undefined) return;
    this.ledger.setFolder(entry.pathLower, null);
    this.deletedFolders.add(entry.pathLower);
  }

  private markDeleted(record: FileRecord): void {
    this.deletedIds.add(record.id);
    this.ledger.put({ ...record, deletedAt: this.options.now() });
  }
}

/** A listed file as the ledger first records it: pending under `key`, shown as `path`. */
export function pendingRecord(file: SourceFile, path: string, key: string): FileRecord {
  return {
    id: file.id,
    path,
    pathLower: file.pathLower,
    rev: file.rev,
    size: file.size,
    contentHash: file.contentHash,
    serverModified: file.serverModified,
    clientModified: file.clientModified,
    key,
    status: 'pending',
    attempts: 0,
  };
}
