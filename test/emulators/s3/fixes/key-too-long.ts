import type { KoaContext, Next } from 's3rver';
import { targetOf } from '../request.ts';
import { s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: S3 keys are at most 1024 bytes of UTF-8; S3 answers 400 KeyTooLongError (with Size and
// MaxSizeAllowed) to PutObject, CreateMultipartUpload, CopyObject or any request naming a longer
// key. Stock s3rver stores such keys, so a test of the "key too long for S3" failure class would
// pass against a server that accepted the object.

export const MAX_KEY_BYTES = 1024;

async function rejectLongKeys(ctx: KoaContext, next: Next): Promise<void> {
  const key = targetOf(ctx)?.key;
  if (key !== undefined) {
    const size = Buffer.byteLength(key, 'utf8');
    if (size > MAX_KEY_BYTES) {
      throw s3Error('KeyTooLongError', 'Your key is too long', {
        Size: size,
        MaxSizeAllowed: MAX_KEY_BYTES,
      });
    }
  }
  await next();
}

export const keyTooLong: HarnessFix = {
  name: 'key-too-long',
  install(server) {
    useBeforeRouter(server, rejectLongKeys);
  },
};
