import { permanent, type MigrationError } from '../errors.ts';

/** S3 rejects keys longer than this many bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

export type KeyCase = 'display' | 'lower';

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The object key for a Dropbox path (which starts with "/"): the prefix, one slash, then the path
 * without its leading slash. An empty prefix gives the bare path. Names stay byte-exact: no
 * normalisation, no escaping.
 */
export function objectKey(prefix: string, path: string): string {
  const relative = path.replace(/^\/+/, '');
  const base = prefix.replace(/\/+$/, '');
  return base === '' ? relative : `${base}/${relative}`;
}

/**
 * The key, or a permanent failure when it is longer than S3 allows or lies in the prefix this tool
 * keeps for its own objects (`reserved`, e.g. a Dropbox folder `_dropbox-to-s3` with no --prefix).
 */
export function checkedObjectKey(
  prefix: string,
  path: string,
  reserved?: string,
): string | MigrationError {
  const key = objectKey(prefix, path);
  if (reserved !== undefined && key.startsWith(reserved)) {
    return permanent(
      'reserved_key',
      `the S3 key for ${path} would be ${key}, inside ${reserved}, where this tool keeps its manifest. ` +
        'Migrate with a --prefix (or another --tool-prefix), or rename the folder in Dropbox.',
    );
  }
  const bytes = utf8Bytes(key);
  if (bytes <= MAX_KEY_BYTES) return key;
  return permanent(
    'key_too_long',
    `the S3 key for ${path} would be ${bytes} bytes of UTF-8; S3 allows at most ${MAX_KEY_BYTES}. ` +
      'Shorten the path in Dropbox (or use a shorter --prefix) and run again.',
  );
}

/**
 * Keys of a listing as stored. Asked for `EncodingType: url` (XML 1.0 cannot carry every
 * character a key may hold: a CR comes back as LF, most other control characters not at all), S3
 * sends them form-encoded, a space as `+`; a store that ignores the request sends them plain, `%`
 * and all, and says no `EncodingType`.
 */
export function listedKeyDecoder(encodingType: string | undefined): (key: string) => string {
  return encodingType === 'url'
    ? (key) => decodeURIComponent(key.replaceAll('+', '%20'))
    : (key) => key;
}
