import { permanent, type MigrationError } from '../errors.ts';
import type { TargetLimits } from './target.ts';

export type KeyCase = 'display' | 'lower';

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The object key for a source path (which starts with "/"): the prefix, one slash, then the path
 * without its leading slash. An empty prefix gives the bare path. Names stay byte-exact: no
 * normalisation, no escaping.
 */
export function objectKey(prefix: string, path: string): string {
  const relative = path.replace(/^\/+/, '');
  const base = prefix.replace(/\/+$/, '');
  return base === '' ? relative : `${base}/${relative}`;
}

/** What a key must respect: the target's limits, and the tool prefix it keeps for itself. */
export interface KeyRules {
  readonly limits: Pick<TargetLimits, 'name' | 'maxKeyBytes'>;
  /** The tool prefix (ending with "/"): migrated keys never start with it. */
  readonly toolPrefix: string | undefined;
}

/**
 * The key, or a permanent failure when it is longer than the target allows or lies in the tool
 * prefix (e.g. a Dropbox folder `_dropbox-to-s3` migrated with no --prefix).
 */
export function checkedObjectKey(
  prefix: string,
  path: string,
  rules: KeyRules,
): string | MigrationError {
  const key = objectKey(prefix, path);
  const { name, maxKeyBytes } = rules.limits;
  const reserved = rules.toolPrefix;
  if (reserved !== undefined && key.startsWith(reserved)) {
    return permanent(
      'reserved_key',
      `the ${name} key for ${path} would be ${key}, inside ${reserved}, where this tool keeps its own objects (ledger, manifest). ` +
        'Migrate with a --prefix (or another --tool-prefix), or rename the folder in Dropbox.',
    );
  }
  const bytes = utf8Bytes(key);
  if (bytes <= maxKeyBytes) return key;
  return permanent(
    'key_too_long',
    `the ${name} key for ${path} would be ${String(bytes)} bytes of UTF-8; ${name} allows at most ${String(maxKeyBytes)}. ` +
      'Shorten the path in Dropbox (or use a shorter --prefix) and run again.',
  );
}
