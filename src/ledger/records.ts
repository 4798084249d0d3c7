import type { FailureClass, FailureKind } from '../errors.ts';

export type FileStatus = 'pending' | 'migrated' | 'failed';

export interface FailureRecord {
  readonly kind: FailureKind;
  readonly failureClass: FailureClass;
  readonly reason: string;
  readonly at: string;
}

/** What the ledger knows of one Dropbox file, keyed by its stable `id`. */
export interface FileRecord {
  readonly id: string;
  /** The Dropbox path with the case the user sees (each component from its own entry's name). */
  readonly path: string;
  readonly pathLower: string;
  readonly rev: string;
  /**
   * For an export, Dropbox's listed size and hash say nothing of the export: once it is migrated
   * they are replaced by the export's (what the object holds).
   */
  readonly size: number;
  readonly contentHash: string;
  readonly serverModified: string;
  readonly clientModified: string;
  /** The object key this rev goes to (or went to). */
  readonly key: string;
  readonly status: FileStatus;
  /**
   * Set for a document Dropbox cannot download (Paper, Google Docs): it is stored as its export
   * in this format (`files/export`'s `export_format`), under its name plus the format's extension.
   */
  readonly exportFormat?: string;
  /** Failed attempts at this rev; a new rev starts again at 0. */
  readonly attempts: number;
  readonly failure?: FailureRecord;
  readonly migratedAt?: string;
  /** The key the last migrated rev is stored under, when that differs from `key` (a move). */
  readonly migratedKey?: string;
  /**
   * Set when the file was deleted in Dropbox. Its object is kept unless the migration runs with
   * `--on-source-delete delete`.
   */
  readonly deletedAt?: string;
  /**
   * A key this file was stored under before a move, whose object is still to be deleted
   * (`--on-source-delete delete` only; cleared once dealt with).
   */
  readonly staleKey?: string;
  /** What `--on-source-delete delete` did with the objects of this deleted file, once. */
  readonly objectsRemoved?: ObjectRemoval;
  /** A multipart upload of this rev left part-way by a chunk that ran out of time. */
  readonly checkpoint?: UploadCheckpoint;
}

export interface ObjectRemoval {
  readonly at: string;
  /**
   * `deleted`: its object was deleted; `not_ours`: the object at its key was left, because its
   * `dropbox-id` shows someone else put it there; `absent`: there was no object to delete.
   */
  readonly outcome: 'deleted' | 'not_ours' | 'absent';
}

/**
 * Where a multipart upload stopped: enough to carry on in a later chunk from the first missing
 * part without reading the earlier bytes again. Parts 1..n are all uploaded; the block digests are
 * Dropbox's 4 MiB hash blocks of exactly those bytes (parts are whole blocks).
 */
export interface UploadCheckpoint {
  readonly uploadId: string;
  /** The key and rev the upload was started for: another rev or key starts over. */
  readonly key: string;
  readonly rev: string;
  /** The part size the upload started with; it must not change. */
  readonly partSize: number;
  /** Bytes covered by the parts below: their count × partSize. */
  readonly offset: number;
  /** ETag of part n at index n − 1. */
  readonly etags: readonly string[];
  /** Hex SHA-256 of each 4 MiB block of the first `offset` bytes. */
  readonly blockDigests: readonly string[];
}

/** Settings that must not change during one migration: they decide where every object goes. */
export interface PinnedSettings {
  readonly sourcePath: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly keyCase: string;
  readonly shard: string;
  /** Added after the first release: a ledger without them was made with the defaults. */
  readonly teamRoot?: string;
  readonly include?: string;
  readonly exclude?: string;
  readonly exports?: string;
  readonly compress?: string;
}

export interface ChunkSummary {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly migrated: number;
  readonly failed: number;
  readonly bytes: number;
  readonly stoppedBy: string;
  /** Large files whose upload advanced and was checkpointed: progress without a migrated file. */
  readonly checkpointed?: number;
  /** Why a chunk stopped with `stoppedBy: 'fatal'`, for the summary issue (added after 0.1). */
  readonly fatal?: { readonly failureClass: string; readonly message: string };
}

/** The listing position: a cursor mid-listing (`complete: false`) or one that yields changes. */
export interface CursorState {
  readonly cursor: string;
  readonly complete: boolean;
}

/** The last manifest written to S3, so an unchanged one is not written again. */
export interface ManifestState {
  readonly key: string;
  /** SHA-256 of the manifest's lines after the header (which holds the time). */
  readonly digest: string;
  readonly files: number;
  readonly emptyFolders: number;
  readonly writtenAt: string;
}

/**
 * Parts added to a file's checkpoint, so a long upload journals one small line per part rather
 * than its whole (growing) record. It applies only on top of the checkpoint it continues.
 */
export interface PartsEntry {
  readonly t: 'parts';
  readonly id: string;
  readonly uploadId: string;
  /** The number of the first part in `etags`. */
  readonly from: number;
  readonly etags: readonly string[];
  readonly blockDigests: readonly string[];
}

/** One line of the journal or the snapshot. Every entry is a whole value, so replays are idempotent. */
export type LedgerEntry =
  | { readonly t: 'header'; readonly version: number }
  | { readonly t: 'settings'; readonly settings: PinnedSettings }
  | { readonly t: 'file'; readonly record: FileRecord }
  | PartsEntry
  | { readonly t: 'folder'; readonly pathLower: string; readonly path: string | null }
  | { readonly t: 'cursor'; readonly state: CursorState | null }
  | { readonly t: 'chunk'; readonly summary: ChunkSummary }
  /** Shard 0 of several: files of other shards, so it knows which folders are empty. */
  | { readonly t: 'others-reset' }
  | { readonly t: 'other'; readonly pathLower: string; readonly present: boolean }
  /** A `folder/` marker object written for an empty folder (`--keep-empty-folders`). */
  | { readonly t: 'marker'; readonly pathLower: string; readonly key: string | null }
  | { readonly t: 'manifest'; readonly state: ManifestState };

export const LEDGER_VERSION = 1;
