import type { ContentHashAlgorithm } from './content-hash.ts';

/**
 * What the engine needs from where files come from. Dropbox implements it in src/dropbox/; the
 * engine knows nothing else about Dropbox.
 */
export interface SourceFile {
  readonly kind: 'file';
  readonly id: string;
  readonly name: string;
  readonly pathLower: string;
  readonly pathDisplay: string;
  readonly rev: string;
  readonly size: number;
  readonly contentHash: string;
  readonly serverModified: string;
  readonly clientModified: string;
  readonly downloadable: boolean;
  /** How Dropbox offers a file it cannot download (a Paper or Google document), if it does. */
  readonly exportInfo?: ExportInfo;
}

export interface ExportInfo {
  /** The format Dropbox suggests (`export_info.export_as`). */
  readonly exportAs: string;
  /** Every format it accepts for this file (`export_info.export_options`); may be empty. */
  readonly exportOptions: readonly string[];
}

/** A document exported by the source; `body` is small (a document), but never trusted. */
export interface ExportedDocument {
  /** What the source says the export holds: its size and content hash (`export_hash`). */
  readonly size: number;
  readonly exportHash: string | undefined;
  /** The rev that was exported, when the source says. */
  readonly rev: string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
}

export interface SourceFolder {
  readonly kind: 'folder';
  readonly id: string;
  readonly name: string;
  readonly pathLower: string;
  readonly pathDisplay: string;
}

export interface SourceDeleted {
  readonly kind: 'deleted';
  readonly name: string;
  readonly pathLower: string;
  readonly pathDisplay: string;
}

export type SourceEntry = SourceFile | SourceFolder | SourceDeleted;

export interface ListPage {
  readonly entries: readonly SourceEntry[];
  readonly cursor: string;
  readonly hasMore: boolean;
}

/** The listing cursor is no longer valid: list everything again. */
export class CursorResetError extends Error {
  constructor() {
    super('the saved listing cursor is no longer valid; listing everything again');
    this.name = 'CursorResetError';
  }
}

export interface Source {
  /** The algorithm of its files' `contentHash` (and exports' hashes): every byte is checked with it. */
  readonly contentHash: ContentHashAlgorithm;
  /** Lists a folder: all of it below (recursive) or its direct children. */
  list(path: string, recursive: boolean): Promise<ListPage>;
  /** The next page, or the changes since the cursor once a listing has finished. */
  listContinue(cursor: string): Promise<ListPage>;
  /** A cursor at "now" for a path, without listing. */
  latestCursor(path: string, recursive: boolean): Promise<string>;
  /**
   * The file's bytes from `offset`, for exactly this rev. The stream may fail part-way
   * (connections are cut); callers resume with a new `open` at the offset they reached.
   */
  open(file: SourceFile, offset: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** A file that cannot be downloaded, converted to `format` (one of its export options). */
  exportDocument(file: SourceFile, format: string, signal: AbortSignal): Promise<ExportedDocument>;
}
