import type { KoaContext, Next } from 's3rver';
import { hasQuery, targetOf } from '../request.ts';
import { notImplemented, s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: S3 limits user metadata to 2 KiB, "the sum of the number of bytes in the UTF-8 encoding of
// each key and value" (names counted without the `x-amz-meta-` prefix), and answers 400
// MetadataTooLarge. Stock s3rver stores any amount, so code that packs hashes, ids and paths into
// metadata would pass here and fail on S3.
//
// FENCE: S3 RFC 2047-decodes non-ASCII metadata values when storing them and returns them
// RFC 2047-encoded (`=?UTF-8?B?…?=`), so they do not come back as sent; s3rver would return them
// as sent. The AWS SDK for JavaScript cannot even send characters above U+00FF in a header. The
// harness refuses non-ASCII values and RFC 2047 encoded-words with 501: keep metadata values
// printable ASCII (percent-encode anything else) and the round trip is exact on both.

export const MAX_METADATA_BYTES = 2048;
const META_PREFIX = 'x-amz-meta-';

function isObjectWrite(ctx: KoaContext): boolean {
  if (targetOf(ctx)?.key === undefined) return false;
  if (ctx.method === 'POST') return hasQuery(ctx, 'uploads');
  if (ctx.method !== 'PUT' || hasQuery(ctx, 'uploadId') || hasQuery(ctx, 'tagging')) return false;
  // A copy takes the source's metadata unless told to replace it.
  if (ctx.headers['x-amz-copy-source'] === undefined) return true;
  return ctx.headers['x-amz-metadata-directive'] === 'REPLACE';
}

function userMetadata(ctx: KoaContext): [string, string][] {
  return Object.entries(ctx.headers).flatMap(([name, value]) =>
    name.startsWith(META_PREFIX) && value !== undefined
      ? [[name.slice(META_PREFIX.length), Array.isArray(value) ? value.join(',') : value]]
      : [],
  );
}

async function checkMetadata(ctx: KoaContext, next: Next): Promise<void> {
  if (isObjectWrite(ctx)) {
    const entries = userMetadata(ctx);
    for (const [name, value] of entries) {
      // Node decodes header bytes as Latin-1, so any byte >= 0x80 shows up as a char >= U+0080.
      if (!/^[\x20-\x7e\t]*$/.test(value) || /=\?[^?]+\?[bBqQ]\?[^?]*\?=/.test(value)) {
        throw notImplemented(
          `Non-ASCII or RFC 2047-encoded user metadata (x-amz-meta-${name})`,
          'S3 returns such values RFC 2047-encoded, not as sent; send printable ASCII (percent-encode the rest).',
        );
      }
    }
    // Header values arrive as Latin-1 strings; all are ASCII here, so string length = bytes.
    const size = entries.reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
      0,
    );
    if (size > MAX_METADATA_BYTES) {
      throw s3Error(
        'MetadataTooLarge',
        'Your metadata headers exceed the maximum allowed metadata size',
        { Size: size, MaxSizeAllowed: MAX_METADATA_BYTES },
      );
    }
  }
  await next();
}

export const metadataLimits: HarnessFix = {
  name: 'metadata-limits',
  install(server) {
    useBeforeRouter(server, checkMetadata);
  },
};
