import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { FilesystemStore, KoaContext, Next, StoredMetadata } from 's3rver';
import StoreClass from 's3rver/lib/stores/filesystem.js';
import S3Object from 's3rver/lib/models/object.js';
import { objectLockName, withLock } from '../key-lock.ts';
import { hasQuery, integerQuery, queryValue, targetOf } from '../request.ts';
import { isErrnoException, s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { OWNER, S3_XMLNS, compareKeys, serve } from './serve.ts';

// WHY: stock s3rver lists keys in directory-walk order but resumes a page by comparing keys, so
// paging skips keys (1,000 keys under `a/` plus `a.txt`: 1,000 of 1,002 listed); it also counts
// CommonPrefixes outside MaxKeys, builds the next token from the last key even when the page ended
// on a CommonPrefix, and makes tokens with DES, which Node 22+ (OpenSSL 3) refuses: every truncated
// ListObjectsV2 fails with 500. Real S3 lists in UTF-8 byte order, counts keys and CommonPrefixes
// together against MaxKeys, and resumes exactly after the last entry returned. This module answers
// ListObjects (v1 and v2) and HeadBucket itself.

const OBJECT_SUFFIX = '._S3rver_object';
const TOKEN_TAG = 's3-harness-list\n';
const MAX_KEYS = 1000;

/** Sub-resources that make `GET /bucket` something other than a listing (left to s3rver). */
const BUCKET_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'tagging',
  'uploads',
  'versioning',
  'versions',
  'website',
];

/**
 * Every key in `bucket` that starts with `prefix`, in S3 order. Walks only the directory that the
 * prefix's complete segments lead to.
 */
export async function keysOf(
  store: FilesystemStore,
  bucket: string,
  prefix: string,
): Promise<string[]> {
  const bucketPath = store.getBucketPath(bucket);
  const prefixDirectory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const start = join(bucketPath, StoreClass.encodeKeyPath(prefixDirectory));
  let entries;
  try {
    entries = await readdir(start, { recursive: true, withFileTypes: true });
  } catch (error) {
    if (isErrnoException(error, 'ENOENT') || isErrnoException(error, 'ENOTDIR')) return [];
    throw error;
  }
  const keys: { key: string; bytes: Buffer }[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(OBJECT_SUFFIX)) continue;
    const path = relative(bucketPath, join(entry.parentPath, entry.name));
    // s3rver's own directories (uploads, scratch files) live at the bucket root as `._S3rver_*`.
    if (path.startsWith('._S3rver_') && path.includes('/')) continue;
    const key = StoreClass.decodeKeyPath(path.slice(0, -OBJECT_SUFFIX.length));
    if (key.startsWith(prefix)) keys.push({ key, bytes: Buffer.from(key, 'utf8') });
  }
  return keys.sort((a, b) => Buffer.compare(a.bytes, b.bytes)).map(({ key }) => key);
}

/** Index of the first key in `sortedKeys` that sorts after `after`. */
function firstAfter(sortedKeys: readonly string[], after: string): number {
  let low = 0;
  let high = sortedKeys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(sortedKeys[middle] ?? '', after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export interface ListingQuery {
  prefix: string;
  delimiter: string;
  /** Resume strictly after this key or CommonPrefix ('' for the start). */
  after: string;
  maxKeys: number;
}

export interface ListingPage {
  keys: string[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or CommonPrefix returned: where the next page resumes. */
  last: string | undefined;
}

/** One page of a listing over `sortedKeys`, with S3's rules for delimiter, MaxKeys and resuming. */
export function pageOf(sortedKeys: readonly string[], query: ListingQuery): ListingPage {
  const page: ListingPage = { keys: [], commonPrefixes: [], truncated: false, last: undefined };
  if (query.maxKeys === 0) return page;
  for (const key of sortedKeys.slice(firstAfter(sortedKeys, query.after))) {
    if (!key.startsWith(query.prefix)) continue;
    const cut = query.delimiter === '' ? -1 : key.indexOf(query.delimiter, query.prefix.length);
    const rollup = cut === -1 ? undefined : key.slice(0, cut + query.delimiter.length);
    // Keys under one CommonPrefix are adjacent in sorted order; a page that ended on a
    // CommonPrefix resumes after all of its keys.
    if (rollup !== undefined && (rollup === page.last || rollup === query.after)) continue;
    if (page.keys.length + page.commonPrefixes.length === query.maxKeys) {
      page.truncated = true;
      break;
    }
    if (rollup === undefined) page.keys.push(key);
    else page.commonPrefixes.push(rollup);
    page.last = rollup ?? key;
  }
  return page;
}

function tokenFor(last: string): string {
  return Buffer.from(TOKEN_TAG + last, 'utf8').toString('base64');
}

function resumeAfterToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith(TOKEN_TAG)) {
    throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    });
  }
  return decoded.slice(TOKEN_TAG.length);
}

async function metadataOf(
  store: FilesystemStore,
  bucket: string,
  key: string,
): Promise<StoredMetadata | undefined> {
  try {
    return await withLock(objectLockName(bucket, key), () => store.getMetadata(bucket, key));
  } catch (error) {
    if (isErrnoException(error, 'ENOENT')) return undefined; // deleted since the walk
    throw error;
  }
}

async function listObjects(ctx: KoaContext, store: FilesystemStore, bucket: string) {
  const v2 = queryValue(ctx, 'list-type') === '2';
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const delimiter = queryValue(ctx, 'delimiter') ?? '';
  const maxKeys = Math.min(MAX_KEYS, integerQuery(ctx, 'max-keys', MAX_KEYS, 0, 2 ** 31 - 1));
  const token = queryValue(ctx, 'continuation-token');
  const startAfter = queryValue(ctx, 'start-after') ?? '';
  const marker = queryValue(ctx, 'marker') ?? '';
  const after = v2 ? (token === undefined ? startAfter : resumeAfterToken(token)) : marker;
  const urlEncoded = queryValue(ctx, 'encoding-type') === 'url';
  // As S3 does it: form encoding, a space as `+` (clients decode with unquote_plus).
  const encode = (value: string): string =>
    urlEncoded ? encodeURIComponent(value).replaceAll('%20', '+') : value;

  const page = pageOf(await keysOf(store, bucket, prefix), { prefix, delimiter, after, maxKeys });
  const withOwner = !v2 || queryValue(ctx, 'fetch-owner') === 'true';
  const found = await Promise.all(page.keys.map((key) => metadataOf(store, bucket, key)));
  const contents = page.keys.flatMap((key, index) => {
    const metadata = found[index];
    if (metadata === undefined) return [];
    const object = new S3Object(bucket, key, null, metadata);
    return [
      {
        Key: encode(key),
        LastModified: object.lastModifiedDate.toISOString(),
        ETag: metadata.etag,
        Size: object.size,
        Owner: withOwner ? OWNER : undefined,
        StorageClass: metadata['x-amz-storage-class'] ?? 'STANDARD',
      },
    ];
  });
  const resume = page.truncated && page.last !== undefined ? page.last : undefined;
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: S3_XMLNS },
      Name: bucket,
      Prefix: encode(prefix),
      ...(v2
        ? {
            StartAfter: token === undefined && startAfter !== '' ? encode(startAfter) : undefined,
            ContinuationToken: token,
            NextContinuationToken: resume === undefined ? undefined : tokenFor(resume),
            KeyCount: contents.length + page.commonPrefixes.length,
          }
        : {
            Marker: encode(marker),
            // S3 returns NextMarker only with a delimiter; otherwise clients use the last Key.
            NextMarker: resume !== undefined && delimiter !== '' ? encode(resume) : undefined,
          }),
      MaxKeys: maxKeys,
      Delimiter: delimiter === '' ? undefined : encode(delimiter),
      EncodingType: urlEncoded ? 'url' : undefined,
      IsTruncated: page.truncated,
      Contents: contents,
      CommonPrefixes: page.commonPrefixes.map((common) => ({ Prefix: encode(common) })),
    },
  };
}

function isListing(ctx: KoaContext): boolean {
  return !BUCKET_SUBRESOURCES.some((name) => hasQuery(ctx, name));
}

function listingRoutes(store: FilesystemStore) {
  return async function sortedListing(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target?.key !== undefined || target === undefined || !isListing(ctx)) return next();
    if (ctx.method === 'HEAD') {
      // HeadBucket: stock s3rver runs a whole listing to answer it.
      return serve(ctx, store, target, () => {
        ctx.status = 200;
        return Promise.resolve();
      });
    }
    if (ctx.method !== 'GET') return next();
    return serve(ctx, store, target, () => listObjects(ctx, store, target.bucket));
  };
}

export const sortedListing: HarnessFix = {
  name: 'sorted-listing',
  install(server) {
    useBeforeRouter(server, listingRoutes(server.store));
  },
};
