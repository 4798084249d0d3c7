import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { JournalWriter, readEntries, writeAtomically, type ReadResult } from './journal.ts';
import { acquireLock } from './lock.ts';
import {
  LEDGER_VERSION,
  type ChunkSummary,
  type CursorState,
  type FileRecord,
  type LedgerEntry,
  type ManifestState,
  type PartsEntry,
  type PinnedSettings,
} from './records.ts';

const SNAPSHOT = 'snapshot.jsonl';
const JOURNAL = 'journal.jsonl';
export const KEPT_CHUNKS = 50;
/** The files that are the ledger (not its lock): what a ledger store saves and restores. */
export const LEDGER_FILES: readonly string[] = [SNAPSHOT, JOURNAL];

export interface LedgerTotals {
  readonly files: number;
  readonly pending: number;
  readonly migrated: number;
  /** Of those migrated, documents stored as their export. */
  readonly exports: number;
  readonly failed: number;
  readonly deleted: number;
  readonly bytesMigrated: number;
  readonly bytesPending: number;
}

interface LedgerState {
  settings: PinnedSettings | undefined;
  cursor: CursorState | null;
  chunks: ChunkSummary[];
  records: Map<string, FileRecord>;
  /** Case-correct display path of each folder, by lower-cased path. */
  folders: Map<string, string>;
  /**
   * Lower-cased paths of files of other shards (shard 0 of several keeps them to tell empty
   * folders); undefined when this ledger has not recorded them since its listing began.
   */
  otherShardFiles: Set<string> | undefined;
  /** `folder/` marker objects written, key by lower-cased folder path. */
  markers: Map<string, string>;
  manifest: ManifestState | undefined;
}

/** Reads a ledger folder: the snapshot, then the journal on top of it. */
async function loadState(
  dir: string,
): Promise<{ state: LedgerState; read: ReadResult; replayed: number }> {
  const state: LedgerState = {
    settings: undefined,
    cursor: null,
    chunks: [],
    records: new Map(),
    folders: new Map(),
    otherShardFiles: undefined,
    markers: new Map(),
    manifest: undefined,
  };
  await readEntries(join(dir, SNAPSHOT), (entry) => {
    applyEntry(state, entry);
  });
  let replayed = 0;
  const read = await readEntries(join(dir, JOURNAL), (entry) => {
    replayed += 1;
    applyEntry(state, entry);
  });
  return { state, read, replayed };
}

/** True when `dir` holds a ledger (something was migrated, or at least listed, with it). */
export async function ledgerExists(dir: string): Promise<boolean> {
  for (const name of [SNAPSHOT, JOURNAL]) {
    const found = await stat(join(dir, name)).catch(() => undefined);
    if (found !== undefined && found.size > 0) return true;
  }
  return false;
}

/** What a ledger says, for reading: `status` uses it without taking the lock. */
export class LedgerView {
  protected readonly state: LedgerState;
  protected readonly byPath = new Map<string, string>();

  protected constructor(state: LedgerState) {
    this.state = state;
    for (const record of state.records.values()) this.indexPath(record);
  }

  /** Reads the ledger in `dir` as it is now; undefined when there is none. */
  static async inspect(dir: string): Promise<LedgerView | undefined> {
    const { state } = await loadState(dir);
    if (state.settings === undefined) return undefined;
    return new LedgerView(state);
  }

  get settings(): PinnedSettings {
    if (this.state.settings === undefined) throw new Error('ledger settings missing');
    return this.state.settings;
  }

  get cursor(): CursorState | null {
    return this.state.cursor;
  }

  get chunks(): readonly ChunkSummary[] {
    return this.state.chunks;
  }

  get size(): number {
    return this.state.records.size;
  }

  get(id: string): FileRecord | undefined {
    return this.state.records.get(id);
  }

  /** The live (not deleted) record at a lower-cased path. */
  atPath(pathLower: string): FileRecord | undefined {
    const id = this.byPath.get(pathLower);
    return id === undefined ? undefined : this.state.records.get(id);
  }

  records(): IterableIterator<FileRecord> {
    return this.state.records.values();
  }

  /** The display path of a folder, with each component in the case of its own entry. */
  folderPath(pathLower: string): string | undefined {
    return this.state.folders.get(pathLower);
  }

  folderPaths(): IterableIterator<[string, string]> {
    return this.state.folders.entries();
  }

  /** Files of other shards (see `LedgerState.otherShardFiles`). */
  get otherShardFiles(): ReadonlySet<string> | undefined {
    return this.state.otherShardFiles;
  }

  /** The key of the `folder/` marker written for a folder, if one was. */
  marker(pathLower: string): string | undefined {
    return this.state.markers.get(pathLower);
  }

  get manifest(): ManifestState | undefined {
    return this.state.manifest;
  }

  totals(): LedgerTotals {
    let pending = 0;
    let migrated = 0;
    let exports = 0;
    let failed = 0;
    let deleted = 0;
    let bytesMigrated = 0;
    let bytesPending = 0;
    for (const record of this.state.records.values()) {
      if (record.deletedAt !== undefined) deleted += 1;
      else if (record.status === 'pending') {
        pending += 1;
        bytesPending += record.size;
      } else if (record.status === 'failed') failed += 1;
      if (record.status === 'migrated') {
        migrated += 1;
        if (record.exportFormat !== undefined) exports += 1;
        bytesMigrated += record.size;
      }
    }
    return {
      files: this.state.records.size,
      pending,
      migrated,
      exports,
      failed,
      deleted,
      bytesMigrated,
      bytesPending,
    };
  }

  protected indexPath(record: FileRecord): void {
    if (record.deletedAt === undefined) this.byPath.set(record.pathLower, record.id);
  }
}

/**
 * The index of what is done: one record per Dropbox file id, the listing cursor, the pinned
 * settings and recent chunks. It lives in a local folder as a compacted snapshot plus an
 * append-only journal; every change costs one appended line.
 */
export class Ledger extends LedgerView {
  readonly dir: string;
  private readonly journal: JournalWriter;
  private readonly unlock: () => Promise<void>;
  private journalEntries = 0;

  private constructor(
    dir: string,
    state: LedgerState,
    journal: JournalWriter,
    unlock: () => Promise<void>,
  ) {
    super(state);
    this.dir = dir;
    this.journal = journal;
    this.unlock = unlock;
  }

  /**
   * Opens (or creates) the ledger in `dir` for a migration with `settings`, taking its lock. A
   * ledger made with other pinned settings is refused, naming each difference; `reset` starts over.
   */
  static async open(dir: string, settings: PinnedSettings, reset = false): Promise<Ledger> {
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw unusableFolder(dir, error);
    });
    const unlock = await acquireLock(dir);
    try {
      if (reset) {
        await rm(join(dir, SNAPSHOT), { force: true });
        await rm(join(dir, JOURNAL), { force: true });
      }
      const { state, read, replayed } = await loadState(dir);
      if (state.settings !== undefined) checkSettings(dir, state.settings, settings);
      const journal = await JournalWriter.open(join(dir, JOURNAL), read.goodBytes, read.tornTail);
      const ledger = new Ledger(dir, state, journal, unlock);
      ledger.journalEntries = replayed;
      if (state.settings === undefined) ledger.write({ t: 'settings', settings });
      return ledger;
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  put(record: FileRecord): void {
    const before = this.state.records.get(record.id);
    if (before !== undefined && this.byPath.get(before.pathLower) === before.id) {
      this.byPath.delete(before.pathLower);
    }
    this.write({ t: 'file', record });
    this.indexPath(record);
  }

  /** Extends a file's checkpoint with the parts after it (see `PartsEntry`). */
  addParts(entry: Omit<PartsEntry, 't'>): void {
    this.write({ t: 'parts', ...entry });
  }

  /** Records a folder's display path, or (null) that it is gone. */
  setFolder(pathLower: string, path: string | null): void {
    if ((this.state.folders.get(pathLower) ?? null) === path) return;
    this.write({ t: 'folder', pathLower, path });
  }

  /** Starts recording other shards' files afresh (a listing of everything begins). */
  resetOtherShardFiles(): void {
    this.write({ t: 'others-reset' });
  }

  /** Records that a file of another shard is (or is no longer) at a path, once recording began. */
  setOtherShardFile(pathLower: string, present: boolean): void {
    const files = this.state.otherShardFiles;
    if (files === undefined || files.has(pathLower) === present) return;
    this.write({ t: 'other', pathLower, present });
  }

  /** Records a folder's marker object, or (null) that it was deleted. */
  setMarker(pathLower: string, key: string | null): void {
    this.write({ t: 'marker', pathLower, key });
  }

  markers(): IterableIterator<[string, string]> {
    return this.state.markers.entries();
  }

  setManifest(state: ManifestState): void {
    this.write({ t: 'manifest', state });
  }

  setCursor(state: CursorState | null): void {
    this.write({ t: 'cursor', state });
  }

  addChunk(summary: ChunkSummary): void {
    this.write({ t: 'chunk', summary });
  }

  /** Entries in the journal since the last snapshot. */
  get journalLength(): number {
    return this.journalEntries;
  }

  /** Folds the journal into a fresh snapshot, atomically, and empties the journal. */
  async checkpoint(): Promise<void> {
    this.journal.sync();
    await writeAtomically(join(this.dir, SNAPSHOT), this.snapshotLines());
    await this.journal.reset();
    this.journalEntries = 0;
  }

  /** Makes every entry so far durable against the machine going down, not just the process. */
  sync(): void {
    this.journal.sync();
  }

  async close(): Promise<void> {
    this.journal.close();
    await this.unlock();
  }

  private *snapshotLines(): Generator<string> {
    const line = (entry: LedgerEntry): string => `${JSON.stringify(entry)}\n`;
    yield line({ t: 'header', version: LEDGER_VERSION });
    yield line({ t: 'settings', settings: this.settings });
    yield line({ t: 'cursor', state: this.state.cursor });
    for (const summary of this.state.chunks) yield line({ t: 'chunk', summary });
    for (const [pathLower, path] of this.state.folders)
      yield line({ t: 'folder', pathLower, path });
    for (const record of this.state.records.values()) yield line({ t: 'file', record });
    if (this.state.otherShardFiles !== undefined) {
      yield line({ t: 'others-reset' });
      for (const pathLower of this.state.otherShardFiles)
        yield line({ t: 'other', pathLower, present: true });
    }
    for (const [pathLower, key] of this.state.markers) yield line({ t: 'marker', pathLower, key });
    if (this.state.manifest !== undefined)
      yield line({ t: 'manifest', state: this.state.manifest });
  }

  private write(entry: LedgerEntry): void {
    this.journal.append(entry);
    this.journalEntries += 1;
    applyEntry(this.state, entry);
  }
}

function applyEntry(state: LedgerState, entry: LedgerEntry): void {
  switch (entry.t) {
    case 'header':
      if (entry.version > LEDGER_VERSION) {
        throw new ConfigError(
          `the ledger was written by a newer version of dropbox-to-s3 (format ${String(entry.version)}); ` +
            'upgrade this tool to continue the migration.',
        );
      }
      return;
    case 'settings':
      state.settings = entry.settings;
      return;
    case 'file':
      state.records.set(entry.record.id, entry.record);
      return;
    case 'parts':
      applyParts(state, entry);
      return;
    case 'folder':
      if (entry.path === null) state.folders.delete(entry.pathLower);
      else state.folders.set(entry.pathLower, entry.path);
      return;
    case 'cursor':
      state.cursor = entry.state;
      return;
    case 'chunk':
      state.chunks.push(entry.summary);
      if (state.chunks.length > KEPT_CHUNKS)
        state.chunks.splice(0, state.chunks.length - KEPT_CHUNKS);
      return;
    case 'others-reset':
      state.otherShardFiles = new Set();
      return;
    case 'other':
      if (entry.present) state.otherShardFiles?.add(entry.pathLower);
      else state.otherShardFiles?.delete(entry.pathLower);
      return;
    case 'marker':
      if (entry.key === null) state.markers.delete(entry.pathLower);
      else state.markers.set(entry.pathLower, entry.key);
      return;
    case 'manifest':
      state.manifest = entry.state;
      return;
  }
}

function applyParts(state: LedgerState, entry: PartsEntry): void {
  const record = state.records.get(entry.id);
  const checkpoint = record?.checkpoint;
  // Replayed twice, or written after the record moved on: nothing to continue.
  if (record === undefined || checkpoint === undefined) return;
  if (checkpoint.uploadId !== entry.uploadId || checkpoint.etags.length !== entry.from - 1) return;
  state.records.set(entry.id, {
    ...record,
    checkpoint: {
      ...checkpoint,
      offset: checkpoint.offset + entry.etags.length * checkpoint.partSize,
      etags: [...checkpoint.etags, ...entry.etags],
      blockDigests: [...checkpoint.blockDigests, ...entry.blockDigests],
    },
  });
}

const SETTING_FLAGS: Record<keyof PinnedSettings, string> = {
  sourcePath: '--source-path',
  bucket: '--bucket',
  prefix: '--prefix',
  keyCase: '--key-case',
  shard: '--shard',
  teamRoot: '--team-root',
  include: '--include',
  exclude: '--exclude',
  exports: '--exports/--export-format',
  compress: '--compress',
};

/** What a setting missing from an older ledger meant: the default of its time. */
const SETTING_DEFAULTS: Partial<Record<keyof PinnedSettings, string>> = {
  teamRoot: 'off',
  include: '',
  exclude: '',
  exports: 'export',
  compress: 'off',
};

function checkSettings(dir: string, pinned: PinnedSettings, wanted: PinnedSettings): void {
  const value = (settings: PinnedSettings, name: keyof PinnedSettings): string =>
    settings[name] ?? SETTING_DEFAULTS[name] ?? '';
  const differences = (Object.keys(SETTING_FLAGS) as (keyof PinnedSettings)[])
    .filter((name) => value(pinned, name) !== value(wanted, name))
    .map(
      (name) =>
        `${SETTING_FLAGS[name]} was "${value(pinned, name)}" and is now "${value(wanted, name)}"`,
    );
  if (differences.length === 0) return;
  throw new ConfigError(
    `the ledger in ${dir} belongs to a migration with other settings: ${differences.join('; ')}. ` +
      'Run with the original settings to continue it, or add --reset-ledger to start a new migration ' +
      '(objects already in S3 are found again and not copied twice).',
  );
}

/** A ledger folder that cannot be made is bad input (a --ledger naming a file, a read-only place). */
function unusableFolder(dir: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !UNUSABLE_FOLDER_CODES.has(code)) return error;
  return new ConfigError(
    `the ledger folder ${dir} cannot be created (${code}): point --ledger at a folder this tool may write to.`,
  );
}

const UNUSABLE_FOLDER_CODES = new Set(['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS']);
