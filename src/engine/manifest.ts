import { createHash } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.ts';
import type { FileRecord } from '../ledger/records.ts';
import { VERSION } from '../version.ts';
import type { EmptyFolder } from './empty-folders.ts';
import { shardLabel, shardText, type Shard } from './shard.ts';
import type { Target } from './target.ts';

/** The manifest's line format; a reader checks it in the header line. */
export const MANIFEST_FORMAT = 1;
/** Lines are sent in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024;

export interface ManifestSettings {
  readonly sourcePath: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The tool prefix, ending with "/". */
  readonly toolPrefix: string;
  readonly shard: Shard;
}

export interface ManifestResult {
  readonly key: string;
  /** False when the manifest in S3 already said the same. */
  readonly written: boolean;
  readonly files: number;
  readonly emptyFolders: number;
}

/**
 * Where a shard's manifest goes: `<tool prefix><prefix>/manifest/shard-<i>-of-<n>.jsonl`
 * (without `<prefix>/` when the prefix is empty). Migrations into one bucket with different
 * prefixes, and different shards of one migration, each have their own key.
 */
export function manifestKey(toolPrefix: string, prefix: string, shard: Shard): string {
  const scope = prefix === '' ? '' : `${prefix}/`;
  return `${toolPrefix}${scope}manifest/${shardLabel(shard)}.jsonl`;
}

/** One line a migrated file: what it was in Dropbox and where it is in S3. */
function fileLine(record: FileRecord): string {
  return JSON.stringify({
    path: record.path,
    key: record.key,
    size: record.size,
    contentHash: record.contentHash,
    rev: record.rev,
    id: record.id,
    migratedAt: record.migratedAt,
    ...(record.deletedAt === undefined ? {} : { deletedAt: record.deletedAt }),
  });
}

function folderLine(folder: EmptyFolder & { key: string }, marker: boolean): string {
  return JSON.stringify({ folder: folder.path, key: folder.key, marker });
}

interface Line {
  readonly text: string;
  /** The file's size, for a file's line. */
  readonly fileSize?: number;
}

/** The objects the manifest describes: migrated files still in S3, and empty folders. */
function* bodyLines(ledger: Ledger, folders: readonly EmptyFolder[]): Generator<Line> {
  for (const record of ledger.records()) {
    if (record.status === 'migrated' && record.objectsRemoved === undefined) {
      yield { text: fileLine(record), fileSize: record.size };
    }
  }
  for (const folder of folders) {
    if (typeof folder.key !== 'string') continue;
    const marker = ledger.marker(folder.pathLower) !== undefined;
    yield { text: folderLine({ ...folder, key: folder.key }, marker) };
  }
}

/**
 * Writes this shard's manifest: a header line, then one JSON line a migrated file and one an empty
 * folder. It is streamed (124,000 files make ~25 MB), and not written at all when its lines are
 * the same as those of the last manifest written and that object is still there.
 */
export async function writeManifest(
  ledger: Ledger,
  target: Target,
  folders: readonly EmptyFolder[],
  settings: ManifestSettings,
  now: () => string,
): Promise<ManifestResult> {
  const key = manifestKey(settings.toolPrefix, settings.prefix, settings.shard);
  const hash = createHash('sha256');
  let files = 0;
  let bytes = 0;
  let emptyFolders = 0;
  for (const line of bodyLines(ledger, folders)) {
    hash.update(line.text).update('\n');
    if (line.fileSize === undefined) emptyFolders += 1;
    else {
      files += 1;
      bytes += line.fileSize;
    }
  }
  const digest = hash.digest('hex');
  const last = ledger.manifest;
  if (last?.key === key && last.digest === digest && (await target.head(key)) !== undefined) {
    return { key, written: false, files, emptyFolders };
  }

  const writtenAt = now();
  const header = JSON.stringify({
    manifest: 'dropbox-to-s3',
    format: MANIFEST_FORMAT,
    version: VERSION,
    writtenAt,
    shard: shardText(settings.shard),
    sourcePath: settings.sourcePath,
    bucket: settings.bucket,
    prefix: settings.prefix,
    files,
    bytes,
    emptyFolders,
  });
  await abandonEarlierUploads(target, key);
  await target.putStream(key, batches(header, bodyLines(ledger, folders)), 'application/x-ndjson');
  ledger.setManifest({ key, digest, files, emptyFolders, writtenAt });
  return { key, written: true, files, emptyFolders };
}

function* batches(header: string, lines: Iterable<Line>): Generator<Uint8Array> {
  let batch = `${header}\n`;
  for (const line of lines) {
    batch += `${line.text}\n`;
    if (batch.length >= BATCH_BYTES) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  if (batch !== '') yield Buffer.from(batch, 'utf8');
}

/** A run killed while writing the manifest leaves its multipart upload: abort it first. */
async function abandonEarlierUploads(target: Target, key: string): Promise<void> {
  try {
    for await (const upload of target.unfinishedUploads(key)) {
      if (upload.key === key) await target.abortMultipart(upload.key, upload.uploadId);
    }
  } catch {
    // Only housekeeping: the manifest is still written, and a lifecycle rule removes old uploads.
  }
}
