/**
 * A big ledger without migrating a big account: the emulator's listing is read with the engine's
 * own Dropbox source, and its files are written as ledger records with the engine's own ledger
 * code (pinned settings, records, folders, the listing's cursor), then compacted to a snapshot.
 */
import { buildConfig } from '../src/config/config.ts';
import { DropboxSource } from '../src/dropbox/source.ts';
import { pendingRecord } from '../src/engine/inventory.ts';
import type { SourceEntry, SourceFile } from '../src/engine/source.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import type { FileRecord } from '../src/ledger/records.ts';
import { ENGINE_ENV, type S3Harness } from './servers.ts';
import { pinnedSettings } from '../src/config/engine-settings.ts';
import { objectKey } from '../src/engine/keys.ts';

export interface Listing {
  readonly files: SourceFile[];
  readonly folders: SourceEntry[];
  readonly cursor: string;
}

function configFor(dropboxUrl: string, s3: S3Harness, ledger: string, prefix: string) {
  return buildConfig(
    'migrate',
    {
      bucket: s3.bucket,
      prefix,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': true,
      'dropbox-base-url': dropboxUrl,
      ledger,
    },
    ENGINE_ENV,
  );
}

/** The whole account, as the engine's source lists it. */
export async function listAccount(dropboxUrl: string, s3: S3Harness): Promise<Listing> {
  const config = configFor(dropboxUrl, s3, '/nonexistent', 'x');
  const source = new DropboxSource(config.dropbox, { note: () => undefined });
  const files: SourceFile[] = [];
  const folders: SourceEntry[] = [];
  let page = await source.list('', true);
  for (;;) {
    for (const entry of page.entries) {
      if (entry.kind === 'file') files.push(entry);
      else if (entry.kind === 'folder') folders.push(entry);
    }
    if (!page.hasMore) return { files, folders, cursor: page.cursor };
    page = await source.listContinue(page.cursor);
  }
}

/**
 * Writes the ledger a chunk would find after listing everything: the first `migrated` files
 * (in listing order) migrated, the rest pending; the cursor complete.
 */
export async function writeLedger(
  listing: Listing,
  target: { dropboxUrl: string; s3: S3Harness; ledger: string; prefix: string },
  migrated: number,
): Promise<void> {
  const config = configFor(target.dropboxUrl, target.s3, target.ledger, target.prefix);
  const ledger = await Ledger.open(config.ledgerDir, pinnedSettings(config));
  try {
    const at = new Date().toISOString();
    for (const folder of listing.folders) ledger.setFolder(folder.pathLower, folder.pathDisplay);
    for (const [i, file] of listing.files.entries()) {
      const record: FileRecord = {
        ...pendingRecord(file, file.pathDisplay, objectKey(target.prefix, file.pathDisplay)),
        ...(i < migrated ? { status: 'migrated', migratedAt: at } : {}),
      };
      ledger.put(record);
    }
    ledger.setCursor({ cursor: listing.cursor, complete: true });
    await ledger.checkpoint();
  } finally {
    await ledger.close();
  }
}
