import type { FilesystemStore, KoaContext } from 's3rver';
import authentication from 's3rver/lib/middleware/authentication.js';
import { s3Error } from '../s3-error.ts';

const authenticate = authentication();

/** s3rver's fixed owner, shown as Owner/Initiator in listings. */
export const OWNER = { ID: '123456789000', DisplayName: 'S3rver' };
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * Runs `handler` for a request a fix answers itself, after the same checks s3rver's router does
 * first: its authentication (known access key, clock skew; s3rver never verifies V4 signatures)
 * and the bucket's existence.
 */
export async function serve(
  ctx: KoaContext,
  store: FilesystemStore,
  target: { bucket: string; key: string | undefined },
  handler: () => Promise<void>,
): Promise<void> {
  ctx.params = { bucket: target.bucket, key: target.key };
  await authenticate(ctx, async () => {
    if ((await store.getBucket(target.bucket)) === null) {
      throw s3Error('NoSuchBucket', 'The specified bucket does not exist', {
        BucketName: target.bucket,
      });
    }
    await handler();
  });
}

/** Compares keys as S3 orders them: by their UTF-8 bytes (not JavaScript's UTF-16 order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
