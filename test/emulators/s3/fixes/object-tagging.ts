import type { FilesystemStore, KoaContext, Next } from 's3rver';
import S3Object from 's3rver/lib/models/object.js';
import { hasQuery, headerValue, targetOf } from '../request.ts';
import { isErrnoException, s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { S3_XMLNS } from './serve.ts';
import { choosesEncryption } from './server-side-encryption.ts';
import type { HarnessSettings } from './settings.ts';

// WHY: S3 stores the tag set given on upload (`x-amz-tagging` on PutObject and
// CreateMultipartUpload, URL query form, at most 10 tags, keys up to 128 and values up to 256
// characters), answers it on GetObjectTagging and counts it in `x-amz-tagging-count` on
// GET/HEAD; the upload then needs s3:PutObjectTagging besides s3:PutObject. Stock s3rver drops
// the header without a word. Here it is kept with the object's metadata (a multipart upload
// carries it to the completed object) and served back; `deniedActions` containing
// s3:PutObjectTagging refuses tagged uploads with 403, as a policy without it would. Tag-based
// lifecycle rules are not run here.

const TAGGING_HEADER = 'x-amz-tagging';
const MAX_TAGS = 10;

function parseTagging(text: string): [string, string][] {
  const tags = [...new URLSearchParams(text)];
  const keys = new Set(tags.map(([key]) => key));
  const valid =
    tags.length <= MAX_TAGS &&
    keys.size === tags.length &&
    tags.every(([key, value]) => key.length >= 1 && key.length <= 128 && value.length <= 256);
  if (!valid) throw s3Error('InvalidTag', 'The TagValue you have provided is invalid', {}, 400);
  return tags;
}

async function storedTagging(
  store: FilesystemStore,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  try {
    return (await store.getMetadata(bucket, key))[TAGGING_HEADER];
  } catch (error) {
    if (isErrnoException(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function taggingRoute(store: FilesystemStore, settings: HarnessSettings) {
  return async function objectTagging(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target?.key === undefined) return next();
    const tagging = headerValue(ctx, TAGGING_HEADER);
    if (tagging !== undefined && choosesEncryption(ctx)) {
      if (settings.deniedActions.includes('s3:PutObjectTagging')) {
        throw s3Error('AccessDenied', 'User is not authorized to perform: s3:PutObjectTagging');
      }
      parseTagging(tagging);
      return next();
    }
    const isRead = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (ctx.method === 'GET' && hasQuery(ctx, 'tagging')) {
      const stored = await storedTagging(store, target.bucket, target.key);
      if (stored === undefined) return next();
      ctx.type = 'application/xml';
      ctx.body = {
        Tagging: {
          '@': { xmlns: S3_XMLNS },
          TagSet: { Tag: parseTagging(stored).map(([Key, Value]) => ({ Key, Value })) },
        },
      };
      return;
    }
    await next();
    // S3 answers how many tags an object has, never the tags themselves.
    const answered = ctx.res.getHeader(TAGGING_HEADER);
    if (isRead && typeof answered === 'string') {
      ctx.res.removeHeader(TAGGING_HEADER);
      ctx.set('x-amz-tagging-count', String(parseTagging(answered).length));
    }
  };
}

export const objectTagging: HarnessFix = {
  name: 'object-tagging',
  install(server, settings) {
    if (!S3Object.ALLOWED_METADATA.includes(TAGGING_HEADER)) {
      S3Object.ALLOWED_METADATA.push(TAGGING_HEADER);
    }
    useBeforeRouter(server, taggingRoute(server.store, settings));
  },
};
