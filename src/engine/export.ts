import { permanent, retryable } from '../errors.ts';
import type { FileRecord } from '../ledger/records.ts';
import { hashOf } from './content-hash.ts';
import { REQUEST_RETRY, withRetry } from './retry.ts';
import type { SourceFile } from './source.ts';
import type { ObjectMetadata } from './target.ts';
import type { TransferContext } from './transfer.ts';

/** What an export stored: the object's size and content hash (Dropbox's `export_hash`). */
export interface StoredExport {
  readonly size: number;
  readonly contentHash: string;
}

/**
 * Exports one document and proves it: Dropbox names the export's size and `export_hash` only in
 * the answer (the listed size is not the export's), so the bytes are read into memory — a
 * document, capped at one part — hashed, and put only when the hash matches.
 */
export async function transferExport(
  record: FileRecord,
  file: SourceFile,
  format: string,
  context: TransferContext,
): Promise<StoredExport> {
  const { signal } = context;
  await refuseForeignObject(record, context);
  const exported = await context.source.exportDocument(file, format, signal);
  const iterator = exported.body[Symbol.asyncIterator]();
  try {
    if (exported.size > context.partSizeBytes) {
      throw permanent(
        'unsupported_file',
        `${record.path}: its export as ${format} is ${String(exported.size)} bytes, more than ` +
          `one part (--part-size ${String(context.partSizeBytes)}); exports are read whole, so ` +
          'raise --part-size to migrate it.',
      );
    }
    if (exported.exportHash === undefined) {
      throw permanent(
        'unsupported_file',
        `${record.path}: Dropbox sent no export_hash for its export as ${format}, so it cannot be ` +
          'verified; nothing was stored.',
      );
    }
    const release = await context.memory.acquire(exported.size, signal);
    try {
      const body = await readAtMost(iterator, exported.size + 1, context.onBytes);
      if (body.length !== exported.size) {
        throw retryable(
          'size_mismatch',
          `${record.path}: Dropbox announced an export of ${String(exported.size)} bytes but sent ` +
            `${body.length > exported.size ? 'more' : String(body.length)}; nothing was stored. ` +
            'It will be tried again.',
        );
      }
      const hash = hashOf(context.source.contentHash, body);
      if (hash !== exported.exportHash) {
        throw retryable(
          'hash_mismatch',
          `${record.path}: the exported bytes hash to ${hash.slice(0, 12)}…, not Dropbox's ` +
            `export_hash ${exported.exportHash.slice(0, 12)}…; nothing was stored. It will be tried again.`,
        );
      }
      const metadata: ObjectMetadata = {
        contentHash: hash,
        sourceId: record.id,
        rev: exported.rev ?? record.rev,
        size: body.length,
        modified: record.clientModified,
        exportFormat: format,
      };
      await withRetry(() => context.target.put(record.key, body, metadata, signal), {
        policy: REQUEST_RETRY,
        clock: context.clock,
        signal,
      });
      return { size: body.length, contentHash: hash };
    } finally {
      release();
    }
  } finally {
    await iterator.return?.().catch(() => undefined);
  }
}

/**
 * The inventory sees collisions with real files of its own shard; a real file of another shard (or
 * any object this tool did not write as an export) shows up only in S3. The real file wins.
 */
async function refuseForeignObject(record: FileRecord, context: TransferContext): Promise<void> {
  const head = await withRetry(() => context.target.head(record.key), {
    policy: REQUEST_RETRY,
    clock: context.clock,
    signal: context.signal,
  });
  if (head === undefined || head.exportFormat !== undefined) return;
  throw permanent(
    'key_collision',
    `${record.path}: its export would be stored as ${record.key}, where S3 already holds an ` +
      'object that is not an export (a real file, perhaps migrated by another shard); it is kept ' +
      'and the document is not exported. Rename one of them in Dropbox to keep both.',
  );
}

/** Reads until the body ends or `limit` bytes are in hand (one more than expected shows excess). */
async function readAtMost(
  iterator: AsyncIterator<Uint8Array>,
  limit: number,
  onBytes: ((bytes: number) => void) | undefined,
): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  let filled = 0;
  while (filled < limit) {
    const next = await iterator.next();
    if (next.done === true) break;
    const piece = next.value.subarray(0, limit - filled);
    pieces.push(piece);
    filled += piece.length;
    onBytes?.(piece.length);
  }
  return Buffer.concat(pieces, filled);
}
