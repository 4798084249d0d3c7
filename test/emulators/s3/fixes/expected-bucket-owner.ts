import type { KoaContext, Next } from 's3rver';
import { headerValue, targetOf } from '../request.ts';
import { s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: S3 refuses any bucket or object request whose `x-amz-expected-bucket-owner` names another
// account than the bucket's owner (403 AccessDenied); s3rver has no accounts and ignores the
// header, so a wrong owner would pass here. The harness owns every bucket as one configurable
// account. It also records, per request, the headers that a client must send on every call
// (owner, encryption), so a test can show none was left out: GET /__harness/requests answers them
// as JSON, DELETE clears them.

export const CONTROL_PATH = '/__harness/requests';

/** One request as the harness saw it: what it was and the headers tests ask about. */
export interface RecordedRequest {
  method: string;
  bucket: string | null;
  key: string | null;
  /** Names of the query parameters (`uploads`, `uploadId`, `list-type`, …). */
  query: string[];
  expectedBucketOwner: string | null;
  serverSideEncryption: string | null;
  kmsKeyId: string | null;
  /** `x-amz-tagging` of an upload (tags need s3:PutObjectTagging too). */
  tagging: string | null;
}

export const expectedBucketOwner: HarnessFix = {
  name: 'expected-bucket-owner',
  install(server, settings) {
    const recorded: RecordedRequest[] = [];
    useBeforeRouter(server, async (ctx: KoaContext, next: Next) => {
      if (ctx.path === CONTROL_PATH) {
        if (ctx.method === 'DELETE') recorded.length = 0;
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(recorded);
        return;
      }
      const target = targetOf(ctx);
      const owner = headerValue(ctx, 'x-amz-expected-bucket-owner');
      recorded.push({
        method: ctx.method,
        bucket: target?.bucket ?? null,
        key: target?.key ?? null,
        query: Object.keys(ctx.query),
        expectedBucketOwner: owner ?? null,
        serverSideEncryption: headerValue(ctx, 'x-amz-server-side-encryption') ?? null,
        kmsKeyId: headerValue(ctx, 'x-amz-server-side-encryption-aws-kms-key-id') ?? null,
        tagging: headerValue(ctx, 'x-amz-tagging') ?? null,
      });
      if (target !== undefined && owner !== undefined && owner !== settings.ownerAccountId) {
        throw s3Error('AccessDenied', 'Access Denied');
      }
      await next();
    });
  },
};
