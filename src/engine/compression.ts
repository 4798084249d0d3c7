import { lookup } from 'mime-types';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

/** `--compress text` keeps a gzipped body only when it is at most this share of the original. */
export const MAX_COMPRESSED_RATIO = 0.9;
const GZIP_LEVEL = 6;

/** Content types besides text/* that are text, by their name's extension (mime-types). */
const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/sql',
  'application/x-sh',
  'application/x-tex',
  'application/x-latex',
  'application/rtf',
  'application/postscript',
  'application/x-subrip',
  'application/x-ndjson',
  'application/graphql',
]);

/**
 * Whether a file is worth trying to gzip, by the content type of its name: text/*, the types
 * above, and structured text (`+json`, `+xml`, e.g. image/svg+xml).
 */
export function isTextLike(name: string): boolean {
  const type = lookup(name);
  if (type === false) return false;
  return (
    type.startsWith('text/') ||
    TEXT_TYPES.has(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

/**
 * The body gzipped, or undefined when that does not save at least 10% (then it is stored as it
 * is). Runs on the thread pool, so a large body does not stall other transfers.
 */
export async function gzipIfSmaller(body: Uint8Array): Promise<Buffer | undefined> {
  if (body.length === 0) return undefined;
  const compressed = await gzip(body, { level: GZIP_LEVEL });
  return compressed.length <= body.length * MAX_COMPRESSED_RATIO ? compressed : undefined;
}
