/**
 * Listing entries built by hand, for tests that hand them to the engine directly. Every field has
 * a plausible value; a test names only the ones it is about. To get entries from a listing, use
 * MemorySource (memory-source.ts) instead.
 */
import { hashOf, SHA256_BLOCKS } from '../../src/engine/content-hash.ts';
import type { SourceDeleted, SourceFile, SourceFolder } from '../../src/engine/source.ts';

const MODIFIED = '2026-01-01T00:00:00Z';

/**
 * A file at `path` (its name and lower-case path follow from it): 10 bytes of zeros, whose size and
 * content hash match, rev `r1`, downloadable. `bytes` sets the size and hash from real content.
 */
export function sourceFile(
  path = '/file.txt',
  fields: Partial<Omit<SourceFile, 'kind'>> & { readonly bytes?: Uint8Array } = {},
): SourceFile {
  const { bytes = Buffer.alloc(10), ...rest } = fields;
  return {
    kind: 'file',
    id: `id:${path.toLowerCase()}`,
    name: nameOf(path),
    pathLower: path.toLowerCase(),
    pathDisplay: path,
    rev: 'r1',
    size: bytes.length,
    contentHash: hashOf(SHA256_BLOCKS, bytes),
    serverModified: MODIFIED,
    clientModified: MODIFIED,
    downloadable: true,
    ...rest,
  };
}

/** A document Dropbox cannot download; it exports as `exportAs` (and `exportOptions`), if given. */
export function sourceDocument(
  path: string,
  exportAs?: string,
  exportOptions: readonly string[] = [],
): SourceFile {
  return sourceFile(path, {
    downloadable: false,
    ...(exportAs === undefined ? {} : { exportInfo: { exportAs, exportOptions } }),
  });
}

export function sourceFolder(
  path: string,
  fields: Partial<Omit<SourceFolder, 'kind'>> = {},
): SourceFolder {
  return {
    kind: 'folder',
    id: `id:${path}`,
    name: nameOf(path),
    pathLower: path.toLowerCase(),
    pathDisplay: path,
    ...fields,
  };
}

export function sourceDeleted(path: string): SourceDeleted {
  return { kind: 'deleted', name: nameOf(path), pathLower: path.toLowerCase(), pathDisplay: path };
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
