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
      ledger.addMarker(folder.pathLower, folder.key);
      written += 1;
    },
    stopped,
  );
  return { written, refused };
}
