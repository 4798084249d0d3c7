import { retryable, type MigrationError } from '../errors.ts';
import type { UploadCheckpoint } from '../ledger/records.ts';
import { PartLog, resumePoint, type ResumePoint } from './checkpoint.ts';
import { hashOf } from './content-hash.ts';
import type { Clock } from './clock.ts';
import { gzipIfSmaller, isTextLike } from './compression.ts';
import { ResumableDownload, sizeMismatch } from './download.ts';
import type { MemoryBudget } from './memory.ts';
import { REQUEST_RETRY, withRetry } from './retry.ts';
import type { Source, SourceFile } from './source.ts';
import type { CompletedPart, ObjectMetadata, Target, TargetLimits } from './target.ts';

/** Part uploads of one file allowed in flight while the next part downloads. */
const PART_PIPELINE = 2;

export interface TransferContext {
  readonly source: Source;
  readonly target: Target;
  readonly memory: MemoryBudget;
  readonly clock: Clock;
  readonly partSizeBytes: number;
  /** Aborts everything in flight (the grace period after a deadline or signal ran out). */
  readonly signal: AbortSignal;
  readonly onBytes?: (bytes: number) => void;
  /** `--compress text`: gzip text-like files sent whole when that saves at least 10%. */
  readonly compress?: boolean;
  /** The deadline or a stop came: a multipart transfer stops at a part boundary and checkpoints. */
  readonly softStop?: AbortSignal;
  /** Where an earlier chunk stopped this file's upload. */
  readonly checkpoint?: UploadCheckpoint;
  /** Saves a checkpoint in the ledger (after parts finish, and when stopping). */
  readonly onCheckpoint?: (checkpoint: UploadCheckpoint) => void;
  readonly note?: (line: string) => void;
}

/** Stored and verified, or stopped part-way with a checkpoint to resume from. */
export type TransferOutcome = 'stored' | 'checkpointed';

/** What decides a file's part size: `--part-size`, the target's limits, the hash's blocks. */
export interface PartSizing {
  readonly configured: number;
  readonly limits: Pick<TargetLimits, 'maxParts' | 'minPartBytes' | 'maxPartBytes'>;
  readonly blockSize: number;
}

/** The part sizes a target takes that are whole numbers of hash blocks. */
export function partSizeRange(
  limits: Pick<TargetLimits, 'minPartBytes' | 'maxPartBytes'>,
  blockSize: number,
): { smallest: number; largest: number; block: number } {
  return {
    smallest: Math.ceil(limits.minPartBytes / blockSize) * blockSize,
    largest: Math.floor(limits.maxPartBytes / blockSize) * blockSize,
    block: blockSize,
  };
}

/**
 * The part size for a file: the configured size, grown in steps of the hash's block size until the
 * target's most parts cover the file, so parts always line up with the hash blocks; never below
 * the target's smallest part.
 */
export function partSizeFor(fileSize: number, sizing: PartSizing): number {
  const { configured, limits, blockSize } = sizing;
  const needed = Math.ceil(fileSize / limits.maxParts / blockSize) * blockSize;
  return Math.max(configured, needed, partSizeRange(limits, blockSize).smallest);
}

/**
 * Copies one file and proves it: the bytes are hashed as they pass and compared with Dropbox's
 * `content_hash` before they can become a visible object. A small file is hashed before its PUT;
 * a large one goes multipart and is completed only when the hash matches, aborted otherwise.
 */
export async function transferFile(
  file: SourceFile,
  key: string,
  context: TransferContext,
): Promise<TransferOutcome> {
  const metadata: ObjectMetadata = {
    contentHash: file.contentHash,
    sourceId: file.id,
    rev: file.rev,
    size: file.size,
    modified: file.clientModified,
  };
  const resumed =
    context.checkpoint === undefined
      ? undefined
      : await resumePoint(file, key, context.checkpoint, {
          ...context,
          blockSize: context.source.contentHash.blockSize,
          note: context.note ?? (() => undefined),
        });
  const download = new ResumableDownload(context.source, file, {
    clock: context.clock,
    signal: context.signal,
    ...(context.onBytes === undefined ? {} : { onBytes: context.onBytes }),
    ...(resumed === undefined ? {} : { offset: resumed.offset }),
  });
  try {
    if (file.size <= context.partSizeBytes && resumed === undefined) {
      await putWhole(file, key, metadata, download, context);
      return 'stored';
    }
    return await putInParts(file, key, metadata, download, context, resumed);
  } finally {
    await download.close();
  }
}

async function putWhole(
  file: SourceFile,
  key: string,
  metadata: ObjectMetadata,
  download: ResumableDownload,
  context: TransferContext,
): Promise<void> {
  // A body that may be gzipped is held twice for a moment: reserved up front, so a transfer never
  // waits for memory while it holds some.
  const compress = context.compress === true && isTextLike(key);
  const release = await context.memory.acquire(file.size * (compress ? 2 : 1), context.signal);
  try {
    // One byte more than listed, to notice a file that grew.
    const body = await download.read(file.size + 1);
    if (body.length !== file.size) throw sizeMismatch(file, body.length);
    const hash = hashOf(context.source.contentHash, body);
    if (hash !== file.contentHash) throw hashMismatch(file, hash);
    // Compressed after the hash check, so what is stored is the gzip of verified bytes.
    const gzipped = compress ? await gzipIfSmaller(body) : undefined;
    const stored = gzipped ?? body;
    const storedMetadata: ObjectMetadata =
      gzipped === undefined ? metadata : { ...metadata, contentEncoding: 'gzip' };
    await withRetry(() => context.target.put(key, stored, storedMetadata, context.signal), {
      policy: REQUEST_RETRY,
      clock: context.clock,
      signal: context.signal,
    });
  } finally {
    release();
  }
}

async function putInParts(
  file: SourceFile,
  key: string,
  metadata: ObjectMetadata,
  download: ResumableDownload,
  context: TransferContext,
  resumed: ResumePoint | undefined,
): Promise<TransferOutcome> {
  const { target, clock, signal } = context;
  const retry = { policy: REQUEST_RETRY, clock, signal };
  // A resumed upload keeps the part size it started with: its parts and digests line up with it.
  const algorithm = context.source.contentHash;
  const partSize =
    resumed?.partSize ??
    partSizeFor(file.size, {
      configured: context.partSizeBytes,
      limits: target.limits,
      blockSize: algorithm.blockSize,
    });
  const uploadId =
    resumed?.uploadId ?? (await withRetry(() => target.createMultipart(key, metadata), retry));
  const hasher =
    resumed === undefined ? algorithm.create() : algorithm.resume(resumed.blockDigests);
  const log = new PartLog({
    file,
    key,
    uploadId,
    partSize,
    hasher,
    blockSize: algorithm.blockSize,
    resumed,
    save: context.onCheckpoint,
  });
  const inFlight: Promise<CompletedPart>[] = [];
  const parts: CompletedPart[] = [...(resumed?.parts ?? [])];
  const firstPart = log.nextPart;
  // Every run uploads at least one part, so a file always gets further.
  const stopping = (partNumber: number): boolean =>
    partNumber > firstPart && context.softStop?.aborted === true && log.saving;
  try {
    for (let partNumber = firstPart; download.offset < file.size; partNumber += 1) {
      if (inFlight.length >= PART_PIPELINE)
        parts.push(await (inFlight.shift() as Promise<CompletedPart>));
      if (stopping(partNumber)) break;
      const release = await context.memory.acquire(partSize, signal);
      if (stopping(partNumber)) {
        release();
        break;
      }
      let body: Buffer;
      try {
        body = await download.read(Math.min(partSize, file.size - download.offset));
      } catch (error) {
        release();
        throw error;
      }
      if (body.length === 0) {
        release();
        throw sizeMismatch(file, download.offset);
      }
      hasher.update(body);
      const number = partNumber;
      const upload = withRetry(() => target.uploadPart(key, uploadId, number, body, signal), retry)
        .then((etag) => {
          log.done(number, etag);
          return { partNumber: number, etag };
        })
        .finally(release);
      // Keep a rejection from being unhandled while earlier parts are awaited.
      upload.catch(() => undefined);
      inFlight.push(upload);
    }
    parts.push(...(await Promise.all(inFlight.splice(0))));
    // Stopped at a part boundary: the parts are uploaded and the ledger says how far it got.
    if (download.offset < file.size) return 'checkpointed';
    const extra = await download.read(1);
    if (extra.length > 0) throw sizeMismatch(file, file.size + extra.length);
    const hash = hasher.digest();
    if (hash !== file.contentHash) throw hashMismatch(file, hash);
    await complete(file, key, uploadId, parts, context);
    return 'stored';
  } catch (error) {
    await Promise.allSettled(inFlight);
    // Cut off at the end of the grace period: the checkpoint in the ledger still names this upload
    // and the parts it holds, so the next chunk carries on from there.
    if (signal.aborted && log.savedParts > 0) throw error;
    await target.abortMultipart(key, uploadId).catch(() => undefined);
    throw error;
  }
}

/**
 * Completes a verified upload. When S3's answer to a Complete that worked is lost, the retry finds
 * no such upload although the object is whole: its metadata (this rev, hash and size) tells.
 */
async function complete(
  file: SourceFile,
  key: string,
  uploadId: string,
  parts: readonly CompletedPart[],
  context: TransferContext,
): Promise<void> {
  const { target, clock, signal } = context;
  try {
    await withRetry(() => target.completeMultipart(key, uploadId, parts), {
      policy: REQUEST_RETRY,
      clock,
      signal,
    });
  } catch (error) {
    const head = await target.head(key).catch(() => undefined);
    const stored =
      head?.rev === file.rev && head.contentHash === file.contentHash && head.size === file.size;
    if (!stored) throw error;
  }
}

function hashMismatch(file: SourceFile, got: string): MigrationError {
  return retryable(
    'hash_mismatch',
    `${file.pathDisplay}: the bytes received hash to ${got.slice(0, 12)}…, not Dropbox's ` +
      `${file.contentHash.slice(0, 12)}…; nothing was stored. It will be tried again.`,
  );
}
