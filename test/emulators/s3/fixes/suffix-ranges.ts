import type { FilesystemStore, KoaContext, Next } from 's3rver';
import { headerValue, targetOf } from '../request.ts';
import { isErrnoException } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: s3rver parses `Range: bytes=-N` (the last N bytes, which S3 serves) as `bytes=0-N`, so it
// answers with the wrong bytes. This rewrites a suffix range into the explicit range it means.
// (The other stock range bug, `bytes=0-0` answered with the whole object, is fixed in
// durable-objects' read.)

function suffixRanges(store: FilesystemStore) {
  return async function rewriteSuffixRange(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    const suffix = /^bytes=-(\d+)$/.exec(headerValue(ctx, 'range') ?? '');
    if (
      target?.key !== undefined &&
      suffix?.[1] !== undefined &&
      ['GET', 'HEAD'].includes(ctx.method)
    ) {
      try {
        const size = Number((await store.getMetadata(target.bucket, target.key))['content-length']);
        const length = Number(suffix[1]);
        // `bytes=-0`, or any suffix of an empty object, cannot be satisfied: S3 answers 416.
        ctx.headers.range =
          size > 0 && length > 0
            ? `bytes=${Math.max(0, size - length)}-${size - 1}`
            : `bytes=${size}-`;
      } catch (error) {
        if (!isErrnoException(error, 'ENOENT')) throw error;
      }
    }
    await next();
  };
}

export const suffixRangeFix: HarnessFix = {
  name: 'suffix-ranges',
  install(server) {
    useBeforeRouter(server, suffixRanges(server.store));
  },
};
