import type { Ledger } from '../ledger/ledger.ts';
import type { FileRecord, UploadCheckpoint } from '../ledger/records.ts';
import type { Clock } from './clock.ts';
import type { ContentHasher } from './content-hash.ts';
import { REQUEST_RETRY, withRetry } from './retry.ts';
import type { SourceFile } from './source.ts';
import type { CompletedPart, Target } from './target.ts';

/** A checked checkpoint: the upload exists and holds every part the checkpoint names. */
export interface ResumePoint {
  readonly uploadId: string;
  readonly partSize: number;
  readonly offset: number;
  readonly parts: readonly CompletedPart[];
  readonly blockDigests: readonly string[];
}

/** The record as it is once its upload is completed, aborted or given up. */
export function withoutCheckpoint(record: FileRecord): FileRecord {
  if (record.checkpoint === undefined) return record;
  const { checkpoint: _checkpoint, ...rest } = record;
  return rest;
}

/** A checkpoint is worth keeping only while its file still waits for this very rev and key. */
export function isLiveCheckpoint(record: FileRecord): boolean {
  const checkpoint = record.checkpoint;
  return (
    checkpoint !== undefined &&
    record.status === 'pending' &&
    record.deletedAt === undefined &&
    checkpoint.rev === record.rev &&
    checkpoint.key === record.key
  );
}

/**
 * Records how far an upload got: the first time the whole record, then only the parts added since
 * (one small journal line per part, however many parts the file has).
 */
export function saveCheckpoint(
  ledger: Ledger,
  record: FileRecord,
  checkpoint: UploadCheckpoint,
): void {
  const saved = ledger.get(record.id)?.checkpoint;
  const from = (saved?.etags.length ?? 0) + 1;
  if (saved?.uploadId !== checkpoint.uploadId || from > checkpoint.etags.length) {
    ledger.put({ ...record, checkpoint });
    return;
  }
  ledger.addParts({
    id: record.id,
    uploadId: checkpoint.uploadId,
    from,
    etags: checkpoint.etags.slice(from - 1),
    blockDigests: checkpoint.blockDigests.slice(saved.blockDigests.length),
  });
}

/** Upload ids the ledger means to resume: the chunk's clean-up leaves them alone. */
export function resumableUploads(records: Iterable<FileRecord>): Set<string> {
  const ids = new Set<string>();
  for (const record of records) {
    if (record.checkpoint !== undefined && isLiveCheckpoint(record))
      ids.add(record.checkpoint.uploadId);
  }
  return ids;
}

/**
 * Forgets checkpoints of files that moved on (another rev or key, deleted, migrated): their
 * uploads were just aborted as leftovers, and the file, if still wanted, starts over.
 */
export function dropStaleCheckpoints(ledger: Ledger): void {
  const stale: FileRecord[] = [];
  for (const record of ledger.records()) {
    if (record.checkpoint !== undefined && !isLiveCheckpoint(record)) stale.push(record);
  }
  for (const record of stale) ledger.put(withoutCheckpoint(record));
}

/**
 * Turns a saved checkpoint into a place to resume, after asking S3 whether the upload is still
 * there with the same parts. Anything that does not fit (another rev, a lost upload, other parts)
 * means starting over cleanly: the old upload is aborted and `note` says why.
 */
export async function resumePoint(
  file: SourceFile,
  key: string,
  checkpoint: UploadCheckpoint,
  options: {
    target: Target;
    clock: Clock;
    signal: AbortSignal;
    /** The content hash's block size: a usable checkpoint ends on a block. */
    blockSize: number;
    note: (line: string) => void;
  },
): Promise<ResumePoint | undefined> {
  const { target } = options;
  const retry = { policy: REQUEST_RETRY, clock: options.clock, signal: options.signal };
  const startOver = async (why: string): Promise<undefined> => {
    await target.abortMultipart(checkpoint.key, checkpoint.uploadId).catch(() => undefined);
    options.note(`${file.pathDisplay}: ${why}; its transfer starts over.`);
    return undefined;
  };
  if (checkpoint.rev !== file.rev || checkpoint.key !== key) {
    return startOver('the file changed since its upload was checkpointed');
  }
  if (!consistent(checkpoint, file.size, options.blockSize)) {
    return startOver('its checkpoint is not usable');
  }
  const listed = await withRetry(() => target.listParts(key, checkpoint.uploadId), retry);
  if (listed === undefined) {
    options.note(
      `${file.pathDisplay}: its unfinished upload is no longer in S3; its transfer starts over.`,
    );
    return undefined;
  }
  const stored = new Map(listed.map((part) => [part.partNumber, bareEtag(part.etag)]));
  const missing = checkpoint.etags.findIndex(
    (etag, index) => stored.get(index + 1) !== bareEtag(etag),
  );
  if (missing >= 0) {
    return startOver(`part ${String(missing + 1)} of its unfinished upload is not what was saved`);
  }
  return {
    uploadId: checkpoint.uploadId,
    partSize: checkpoint.partSize,
    offset: checkpoint.offset,
    parts: checkpoint.etags.map((etag, index) => ({ partNumber: index + 1, etag })),
    blockDigests: checkpoint.blockDigests,
  };
}

function consistent(checkpoint: UploadCheckpoint, size: number, blockSize: number): boolean {
  const { partSize, offset, etags, blockDigests } = checkpoint;
  return (
    partSize > 0 &&
    partSize % blockSize === 0 &&
    offset === etags.length * partSize &&
    offset < size &&
    blockDigests.length === offset / blockSize
  );
}

function bareEtag(etag: string): string {
  return etag.replaceAll('"', '');
}

/**
 * Keeps track of the parts of one upload as they finish (in any order) and saves a checkpoint each
 * time the run of finished parts from part 1 grows: at most one small ledger write per part, so a
 * kill at any instant loses at most the parts that were in flight.
 */
export class PartLog {
  private readonly etags: string[];
  /** Digests of the blocks of the saved parts. */
  private readonly digests: string[];
  private saved: number;
  private readonly file: SourceFile;
  private readonly key: string;
  private readonly uploadId: string;
  private readonly partSize: number;
  private readonly hasher: ContentHasher;
  private readonly blockSize: number;
  private readonly save: ((checkpoint: UploadCheckpoint) => void) | undefined;

  constructor(options: {
    file: SourceFile;
    key: string;
    uploadId: string;
    partSize: number;
    hasher: ContentHasher;
    /** The hash's block size: checkpoints keep the digests of whole blocks. */
    blockSize: number;
    resumed: ResumePoint | undefined;
    save: ((checkpoint: UploadCheckpoint) => void) | undefined;
  }) {
    this.file = options.file;
    this.key = options.key;
    this.uploadId = options.uploadId;
    this.partSize = options.partSize;
    this.hasher = options.hasher;
    this.blockSize = options.blockSize;
    this.save = options.save;
    this.etags = options.resumed?.parts.map((part) => part.etag) ?? [];
    this.digests = [...(options.resumed?.blockDigests ?? [])];
    this.saved = this.etags.length;
  }

  /** The first part number not yet uploaded. */
  get nextPart(): number {
    return this.etags.length + 1;
  }

  /** Parts 1..n are uploaded and recorded in the ledger (by this run or an earlier one). */
  get savedParts(): number {
    return this.saved;
  }

  /** Checkpoints go to the ledger: stopping part-way loses nothing. */
  get saving(): boolean {
    return this.save !== undefined;
  }

  /** Part `partNumber` is uploaded; its bytes went through the hasher already. */
  done(partNumber: number, etag: string): void {
    this.etags[partNumber - 1] = etag;
    let run = this.saved;
    while (this.etags[run] !== undefined) run += 1;
    // The last part need not end on a hash block: the Complete that follows is the record.
    if (run === this.saved || run * this.partSize >= this.file.size) return;
    this.saved = run;
    this.save?.(this.checkpoint(run));
  }

  private checkpoint(parts: number): UploadCheckpoint {
    const offset = parts * this.partSize;
    const blocks = offset / this.blockSize;
    // The hasher is ahead (it has seen the parts still in flight): take the blocks of these parts.
    const added = this.hasher.blockDigests(this.digests.length);
    this.digests.push(...added.slice(0, blocks - this.digests.length));
    return {
      uploadId: this.uploadId,
      key: this.key,
      rev: this.file.rev,
      partSize: this.partSize,
      offset,
      etags: this.etags.slice(0, parts),
      blockDigests: [...this.digests],
    };
  }
}
