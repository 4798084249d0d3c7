import { createHash } from 'node:crypto';
import type { FailureClass } from '../errors.ts';
import { exportSourcePath } from '../engine/export-plan.ts';
import type { InventoryLedger } from '../engine/inventory.ts';
import type { SourceFile } from '../engine/source.ts';
import { partSizeFor, type PartSizing } from '../engine/transfer.ts';
import type { CursorState, FileRecord } from '../ledger/records.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** S3 does not move objects smaller than this by lifecycle, nor tier them in Intelligent-Tiering. */
export const SMALL_OBJECT_BYTES = 128 * KiB;
/** Paths kept as examples for each reason a file cannot be migrated. */
export const EXAMPLES_KEPT = 10;
/** Top-level folders counted one by one; any further ones are counted together. */
export const FOLDERS_KEPT = 1000;

/** Size bands of the report: [from, below) bytes. */
export const SIZE_BANDS: readonly { readonly label: string; readonly below: number }[] = [
  { label: 'under 128 KiB', below: SMALL_OBJECT_BYTES },
  { label: '128 KiB – 1 MiB', below: MiB },
  { label: '1 – 16 MiB', below: 16 * MiB },
  { label: '16 – 256 MiB', below: 256 * MiB },
  { label: '256 MiB – 4 GiB', below: 4 * GiB },
  { label: '4 GiB and more', below: Number.POSITIVE_INFINITY },
];

export interface Count {
  files: number;
  bytes: number;
}

export interface Problem {
  readonly failureClass: FailureClass;
  readonly files: number;
  readonly bytes: number;
  readonly examples: readonly { readonly path: string; readonly reason: string }[];
}

/** What the listing found, counted; nothing per file is kept beyond a few examples. */
export interface Listing {
  /** Files that would be migrated (exported documents included, at their listed size). */
  readonly migrate: Count;
  readonly exports: Count;
  readonly bands: readonly (Count & { readonly label: string })[];
  /** By bytes, largest first; files directly in the source folder under "(top level)". */
  readonly folders: readonly (Count & { readonly folder: string })[];
  /** Files that would be recorded as failed without a transfer, by reason. */
  readonly cannotMigrate: readonly Problem[];
  readonly leftOut: {
    readonly byFilters: Count;
    readonly exportsSkipped: Count & { readonly examples: readonly string[] };
  };
  /** For the cost model: objects under and from 128 KiB, and PUT-class requests to upload all. */
  readonly objects: {
    readonly small: Count;
    readonly large: Count;
    readonly uploadRequests: number;
  };
}

const TOP_LEVEL = '(top level)';
const OTHER_FOLDERS = '(other folders)';
/** Id of the stand-in for a real file that a document's export could collide with. */
const REAL_FILE = '\u0000real-file';

function hashOf(pathLower: string): string {
  return createHash('sha1').update(pathLower).digest('base64').slice(0, 12);
}

/**
 * The ledger the inventory writes to during `plan`: every record is counted as it arrives and
 * dropped. Kept: folder paths (for case-correct keys), documents stored as exports, and a short
 * hash of each real file whose name ends like an export, so key collisions between a document's
 * export and a real file are found in either listing order, as `migrate` finds them.
 */
export class ListingTally implements InventoryLedger {
  cursor: CursorState | null = null;
  readonly otherShardFiles = undefined;
  private readonly sourcePath: string;
  private readonly sizing: PartSizing;
  private readonly folders = new Map<string, string>();
  private readonly documents = new Map<string, FileRecord>();
  private readonly documentAt = new Map<string, string>();
  private readonly exportLikeFiles = new Set<string>();
  private readonly migrate: Count = { files: 0, bytes: 0 };
  private readonly exports: Count = { files: 0, bytes: 0 };
  private readonly bands: Count[] = SIZE_BANDS.map(() => ({ files: 0, bytes: 0 }));
  private readonly topFolders = new Map<string, Count & { folder: string }>();
  private readonly problems = new Map<FailureClass, Problem>();
  private readonly byFilters: Count = { files: 0, bytes: 0 };
  private readonly skipped: Count & { examples: string[] } = { files: 0, bytes: 0, examples: [] };
  private readonly small: Count = { files: 0, bytes: 0 };
  private readonly large: Count = { files: 0, bytes: 0 };
  private uploadRequests = 0;

  constructor(sourcePath: string, sizing: PartSizing) {
    this.sourcePath = sourcePath;
    this.sizing = sizing;
  }

  get size(): number {
    return this.documents.size;
  }

  get(id: string): FileRecord | undefined {
    return this.documents.get(id);
  }

  atPath(pathLower: string): FileRecord | undefined {
    const id = this.documentAt.get(pathLower);
    if (id !== undefined) return this.documents.get(id);
    if (!this.exportLikeFiles.has(hashOf(pathLower))) return undefined;
    // Only its path is read (for the collision's reason): the display case is not kept.
    return {
      id: REAL_FILE,
      path: pathLower,
      pathLower,
      rev: '',
      size: 0,
      contentHash: '',
      serverModified: '',
      clientModified: '',
      key: '',
      status: 'pending',
      attempts: 0,
    };
  }

  records(): IterableIterator<FileRecord> {
    return this.documents.values();
  }

  folderPath(pathLower: string): string | undefined {
    return this.folders.get(pathLower);
  }

  folderPaths(): IterableIterator<[string, string]> {
    return this.folders.entries();
  }

  setFolder(pathLower: string, path: string | null): void {
    if (path === null) this.folders.delete(pathLower);
    else this.folders.set(pathLower, path);
  }

  setCursor(state: CursorState | null): void {
    this.cursor = state;
  }

  resetOtherShardFiles(): void {
    // plan lists the whole account as one shard.
  }

  setOtherShardFile(): void {
    // plan lists the whole account as one shard.
  }

  put(record: FileRecord): void {
    if (record.id === REAL_FILE) return;
    const earlier = this.documents.get(record.id);
    if (earlier !== undefined) {
      // A document first counted as an export, now failed (a real file took its key).
      this.count(earlier, -1);
      this.documents.delete(record.id);
      this.documentAt.delete(earlier.pathLower);
    }
    if (record.deletedAt !== undefined) return;
    this.count(record, 1);
    if (record.exportFormat !== undefined) {
      this.documents.set(record.id, record);
      this.documentAt.set(record.pathLower, record.id);
    } else if (exportSourcePath(record.pathLower) !== undefined) {
      this.exportLikeFiles.add(hashOf(record.pathLower));
    }
  }

  leftOut(file: SourceFile, why: 'filter' | 'exports_skip'): void {
    const count = why === 'filter' ? this.byFilters : this.skipped;
    count.files += 1;
    count.bytes += file.size;
    if (why === 'exports_skip' && this.skipped.examples.length < EXAMPLES_KEPT) {
      this.skipped.examples.push(file.pathDisplay);
    }
  }

  private count(record: FileRecord, sign: 1 | -1): void {
    const { size } = record;
    if (record.status === 'failed') {
      const failureClass = record.failure?.failureClass ?? 'unknown';
      const problem = this.problems.get(failureClass) ?? {
        failureClass,
        files: 0,
        bytes: 0,
        examples: [],
      };
      const examples =
        sign === 1 && problem.examples.length < EXAMPLES_KEPT
          ? [...problem.examples, { path: record.path, reason: record.failure?.reason ?? '' }]
          : problem.examples;
      this.problems.set(failureClass, {
        failureClass,
        files: problem.files + sign,
        bytes: problem.bytes + sign * size,
        examples,
      });
      return;
    }
    add(this.migrate, sign, size);
    if (record.exportFormat !== undefined) add(this.exports, sign, size);
    const band = SIZE_BANDS.findIndex((candidate) => size < candidate.below);
    const bandCount = this.bands[band];
    if (bandCount !== undefined) add(bandCount, sign, size);
    add(this.topFolder(record.path), sign, size);
    add(size < SMALL_OBJECT_BYTES ? this.small : this.large, sign, size);
    this.uploadRequests += sign * requestsToUpload(size, this.sizing);
  }

  private topFolder(path: string): Count {
    const relative = path.slice(this.sourcePath.length + 1);
    const slash = relative.indexOf('/');
    const folder = slash === -1 ? TOP_LEVEL : relative.slice(0, slash);
    const key = folder.toLowerCase();
    const known = this.topFolders.get(key);
    if (known !== undefined) return known;
    const name = this.topFolders.size < FOLDERS_KEPT ? folder : OTHER_FOLDERS;
    const counted = this.topFolders.get(name.toLowerCase()) ?? { folder: name, files: 0, bytes: 0 };
    this.topFolders.set(name.toLowerCase(), counted);
    return counted;
  }

  result(): Listing {
    return {
      migrate: { ...this.migrate },
      exports: { ...this.exports },
      bands: SIZE_BANDS.map((band, index) => ({
        label: band.label,
        ...(this.bands[index] ?? { files: 0, bytes: 0 }),
      })),
      folders: [...this.topFolders.values()]
        .filter((folder) => folder.files > 0)
        .map((folder) => ({ ...folder }))
        .sort((a, b) => b.bytes - a.bytes || a.folder.localeCompare(b.folder)),
      cannotMigrate: [...this.problems.values()]
        .filter((problem) => problem.files > 0)
        .sort((a, b) => b.files - a.files),
      leftOut: {
        byFilters: { ...this.byFilters },
        exportsSkipped: { ...this.skipped, examples: [...this.skipped.examples] },
      },
      objects: {
        small: { ...this.small },
        large: { ...this.large },
        uploadRequests: this.uploadRequests,
      },
    };
  }
}

function add(count: Count, sign: 1 | -1, bytes: number): void {
  count.files += sign;
  count.bytes += sign * bytes;
}

/**
 * PUT-class requests to store one file as `migrate` does: one PUT up to the part size, else
 * CreateMultipartUpload, one UploadPart a part, CompleteMultipartUpload.
 */
export function requestsToUpload(size: number, sizing: PartSizing): number {
  if (size <= sizing.configured) return 1;
  return Math.ceil(size / partSizeFor(size, sizing)) + 2;
}
