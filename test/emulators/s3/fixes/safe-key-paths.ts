import type { KoaContext, Next } from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';
import { targetOf } from '../request.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: s3rver stores each key as a file path (`a/b/c` -> `a/b/c._S3rver_object`). Real S3 keys
// are any UTF-8 up to 1024 bytes, but a file name is at most 255 bytes and the OS rewrites `.`,
// `..` and empty path segments. Stock s3rver therefore answers 500 for a valid key whose last
// segment is longer than ~230 bytes (a Dropbox name may be 255 characters, up to 765 bytes), and
// silently merges `a//b` with `a/b`. This mapping keeps every key's path valid and reversible.
// s3rver's router also cannot match an empty path segment (`PUT /bucket/a//b` is a plain 404),
// so object requests are re-addressed with the key as one percent-encoded path segment.

/** Longest name component written, leaving room for s3rver's suffixes (at most 22 bytes). */
const MAX_COMPONENT_BYTES = 180;
/** Ends a component whose segment continues in the next directory level. */
const CONTINUES = '%+';
/** Stands for an empty segment (`a//b`) that is not the last one. */
const EMPTY_SEGMENT = '%-';

function escapeSegment(segment: string, isLast: boolean): string {
  // Only `%` and NUL are escaped byte-wise, so a `%` not followed by two hex digits is a marker.
  let text = segment.replace(/[%\0]/g, (char) => (char === '%' ? '%25' : '%00'));
  // A leading dot would allow `.`, `..` and collisions with s3rver's `._S3rver_*` directories.
  if (text.startsWith('.')) text = `%2E${text.slice(1)}`;
  if (text === '' && !isLast) text = EMPTY_SEGMENT;
  return text;
}

function splitLongComponent(text: string): string[] {
  if (Buffer.byteLength(text) <= MAX_COMPONENT_BYTES) return [text];
  const pieces: string[] = [];
  let piece = '';
  let pieceBytes = 0;
  for (const token of text.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? []) {
    const size = Buffer.byteLength(token);
    if (pieceBytes + size > MAX_COMPONENT_BYTES - CONTINUES.length) {
      pieces.push(piece + CONTINUES);
      piece = '';
      pieceBytes = 0;
    }
    // A piece may not start with a dot either (it could end up as exactly `.` or `..`).
    const safeToken = piece === '' && token === '.' ? '%2E' : token;
    piece += safeToken;
    pieceBytes += Buffer.byteLength(safeToken);
  }
  pieces.push(piece);
  return pieces;
}

/** The relative path (`/`-separated) under which `key` is stored. */
export function encodeKeyPath(key: string): string {
  const segments = key.split('/');
  return segments
    .flatMap((segment, index) =>
      splitLongComponent(escapeSegment(segment, index === segments.length - 1)),
    )
    .join('/');
}

function unescapeSegment(text: string): string {
  if (text === EMPTY_SEGMENT) return '';
  return text.replace(/%([0-9A-F]{2})/g, (_escape, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** The key stored under `keyPath`; the inverse of encodeKeyPath. */
export function decodeKeyPath(keyPath: string): string {
  const segments: string[] = [];
  let pending = '';
  for (const component of keyPath.split('/')) {
    if (component.endsWith(CONTINUES)) {
      pending += component.slice(0, -CONTINUES.length);
      continue;
    }
    segments.push(unescapeSegment(pending + component));
    pending = '';
  }
  return segments.join('/');
}

async function routeAnyKey(ctx: KoaContext, next: Next): Promise<void> {
  const target = targetOf(ctx);
  if (target?.key !== undefined) {
    // The router decodes %2F back to `/` in the key parameter.
    ctx.path = `/${encodeURIComponent(target.bucket)}/${encodeURIComponent(target.key)}`;
  }
  await next();
}

export const safeKeyPaths: HarnessFix = {
  name: 'safe-key-paths',
  install(server) {
    // s3rver calls these statics for every key <-> path mapping (getResourcePath and listing).
    FilesystemStore.encodeKeyPath = encodeKeyPath;
    FilesystemStore.decodeKeyPath = decodeKeyPath;
    useBeforeRouter(server, routeAnyKey);
  },
};
