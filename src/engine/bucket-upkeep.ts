import { messageOf, stopsUpkeep } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { emptyFolders, type EmptyFolder } from './empty-folders.ts';
import { removeDeletedMarkers, writeFolderMarkers } from './folder-markers.ts';
import { writeManifest, type ManifestResult } from './manifest.ts';
import type { ProgressListener } from './progress.ts';
import type { EngineSettings } from './settings.ts';
import { removeDeletedObjects } from './source-deletions.ts';
import type { Target } from './target.ts';

export interface UpkeepResult {
  /** Objects deleted because their files were deleted or moved in Dropbox. */
  readonly removed: number;
  readonly markers: number;
  readonly manifest: ManifestResult | undefined;
}

export interface UpkeepContext {
  readonly ledger: Ledger;
  readonly target: Target;
  readonly progress: ProgressListener;
  readonly now: () => string;
  /** The chunk is being stopped: start nothing more. */
  readonly stopped: () => boolean;
}

/**
 * What a chunk does to the bucket after its transfers: apply source deletions (only with
 * `--on-source-delete delete`), write empty-folder markers (`--keep-empty-folders`), then the
 * manifest. A failure here is a note, not a failed chunk; a fatal one (credentials expired, S3
 * down) is thrown, except access denied, which names the permission that is missing.
 */
export async function upkeepBucket(
  settings: Pick<EngineSettings, 'listing' | 'upkeep'>,
  context: UpkeepContext,
): Promise<UpkeepResult> {
  const { ledger, target, progress, now, stopped } = context;
  const { listing, upkeep } = settings;
  let removed = 0;
  let markers = 0;
  let manifest: ManifestResult | undefined;

  if (upkeep.onSourceDelete === 'delete') {
    await warnOnFailure(context, 'delete objects of files deleted in Dropbox', async () => {
      const result = await removeDeletedObjects(ledger, target, now, stopped);
      const markersRemoved = await removeDeletedMarkers(ledger, target, stopped);
      removed = result.removed + markersRemoved;
      if (removed > 0) {
        progress.note(
          `Deleted ${String(removed)} object(s) of files and folders deleted or moved in Dropbox (--on-source-delete delete).`,
        );
      }
      if (result.notOurs > 0) {
        progress.note(
          `Kept ${String(result.notOurs)} object(s) of files deleted or moved in Dropbox: their dropbox-id ` +
            'metadata shows this tool did not write them for that file (someone replaced them).',
        );
      }
    });
  }

  const folders = emptyFolders(ledger, listing.shard, { ...listing, keyLimits: target.limits });
  if (folders === undefined) {
    progress.note(
      'Empty folders are not known for this ledger (made before this version kept other shards’ files); ' +
        'they are left out of the manifest. --reset-ledger lists everything again and finds them.',
    );
  }
  const empty: readonly EmptyFolder[] = folders ?? [];

  if (upkeep.keepEmptyFolders && empty.length > 0 && !stopped()) {
    await warnOnFailure(context, 'write empty-folder markers', async () => {
      const result = await writeFolderMarkers(ledger, target, empty, stopped);
      markers = result.written;
      for (const reason of result.refused.slice(0, 3)) {
        progress.note(`No marker for an empty folder: ${reason}`);
      }
    });
  }

  if (!stopped()) {
    await warnOnFailure(context, 'write the manifest', async () => {
      manifest = await writeManifest(
        ledger,
        target,
        empty,
        { ...listing, bucket: upkeep.bucket },
        now,
      );
    });
  }
  return { removed, markers, manifest };
}

async function warnOnFailure(
  context: UpkeepContext,
  what: string,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (stopsUpkeep(error)) throw error;
    context.progress.note(
      `Could not ${what} (${messageOf(error)}); the next chunk tries again. ` +
        'Objects under --tool-prefix need s3:PutObject, deleting objects needs s3:DeleteObject.',
    );
  }
}
