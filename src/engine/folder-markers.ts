import type { Ledger } from '../ledger/ledger.ts';
import { eachConcurrently } from './each-concurrently.ts';
import type { EmptyFolder } from './empty-folders.ts';
import type { Target } from './target.ts';

const CONCURRENCY = 8;
/** What rclone and the S3 console treat as a folder. */
const FOLDER_CONTENT_TYPE = 'application/x-directory';

export interface MarkerResult {
  readonly written: number;
  /** Empty folders whose marker key is refused (reserved or too long). */
  readonly refused: string[];
}

/**
 * `--keep-empty-folders`: one zero-byte `<folder key>/` object each empty folder, written once
 * (the ledger remembers it; a folder that later fills keeps its harmless marker).
 */
export async function writeFolderMarkers(
  ledger: Ledger,
  target: Target,
  folders: readonly EmptyFolder[],
  stopped: () => boolean,
): Promise<MarkerResult> {
  let written = 0;
  const refused: string[] = [];
  const todo = folders.filter((folder) => ledger.marker(folder.pathLower) === undefined);
  await eachConcurrently(
    todo,
    CONCURRENCY,
    async (folder) => {
      if (typeof folder.key !== 'string') {
        refused.push(`${folder.path}: ${folder.key.message}`);
        return;
      }
      await target.putStream(folder.key, [], FOLDER_CONTENT_TYPE);
      ledger.setMarker(folder.pathLower, folder.key);
      written += 1;
    },
    stopped,
  );
  return { written, refused };
}

/**
 * `--on-source-delete delete`: the markers of folders deleted in Dropbox are deleted too — the
 * ones this tool wrote (the ledger has them) and still zero bytes, so a real object someone put at
 * that key is left.
 */
export async function removeDeletedMarkers(
  ledger: Ledger,
  target: Target,
  stopped: () => boolean,
): Promise<number> {
  let removed = 0;
  const gone = [...ledger.markers()].filter(
    ([pathLower]) => ledger.folderPath(pathLower) === undefined,
  );
  await eachConcurrently(
    gone,
    CONCURRENCY,
    async ([pathLower, key]) => {
      const head = await target.head(key);
      if (head?.size === 0) {
        await target.delete(key);
        removed += 1;
      }
      ledger.setMarker(pathLower, null);
    },
    stopped,
  );
  return removed;
}
