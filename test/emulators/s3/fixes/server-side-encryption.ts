import type { FilesystemStore, KoaContext, Next, StoredMetadata } from 's3rver';
import S3Object from 's3rver/lib/models/object.js';
import { hasQuery, headerValue, queryValue, targetOf } from '../request.ts';
import { isErrnoException, s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { uploadMetadata } from './multipart-uploads.ts';
import type { HarnessSettings } from './settings.ts';

// WHY: S3 encrypts every object: with the upload's `x-amz-server-side-encryption` (AES256,
// aws:kms, aws:kms:dsse) and `-aws-kms-key-id`, else with the bucket default (SSE-S3, AES256,
// since January 2023). It stores both with the object and answers them on PutObject,
// Create/UploadPart/CompleteMultipartUpload, HeadObject and GetObject; aws:kms without a key id
// uses the account's AWS managed key. A key id without aws:kms, an unknown method, or (when the
// harness is given its KMS keys) an unknown key is refused. Stock s3rver drops both headers.
// SSE-C, encryption context and bucket keys stay fenced (unsupported-write-headers).

export const SSE_HEADER = 'x-amz-server-side-encryption';
export const KMS_KEY_HEADER = 'x-amz-server-side-encryption-aws-kms-key-id';
/** The headers this fix accepts on PutObject and CreateMultipartUpload. */
export const SSE_HEADERS: readonly string[] = [SSE_HEADER, KMS_KEY_HEADER];

const METHODS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/** PutObject (not a copy) or CreateMultipartUpload: the requests that choose an object's encryption. */
export function choosesEncryption(ctx: KoaContext): boolean {
  if (targetOf(ctx)?.key === undefined) return false;
  if (ctx.method === 'POST') return hasQuery(ctx, 'uploads');
  return (
    ctx.method === 'PUT' &&
    !hasQuery(ctx, 'uploadId') &&
    !hasQuery(ctx, 'tagging') &&
    !hasQuery(ctx, 'acl') &&
    ctx.headers['x-amz-copy-source'] === undefined
  );
}

function invalid(message: string, name: string, value: string) {
  return s3Error('InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
}

/**
 * Checks the request's encryption and completes it as S3 would (default method, managed key), in
 * the request's headers: s3rver's S3Object stores them from there (ALLOWED_METADATA).
 */
function chooseEncryption(ctx: KoaContext, settings: HarnessSettings): void {
  const method = headerValue(ctx, SSE_HEADER);
  const keyId = headerValue(ctx, KMS_KEY_HEADER);
  if (method !== undefined && !METHODS.includes(method)) {
    throw invalid('The encryption method specified is not supported', SSE_HEADER, method);
  }
  const kms = method === 'aws:kms' || method === 'aws:kms:dsse';
  if (keyId !== undefined && !kms) {
    throw invalid(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      KMS_KEY_HEADER,
      keyId,
    );
  }
  if (keyId !== undefined && settings.kmsKeys.length > 0 && !settings.kmsKeys.includes(keyId)) {
    throw s3Error('KMS.NotFoundException', `Invalid keyId '${keyId}'`, {}, 400);
  }
  ctx.req.headers[SSE_HEADER] = method ?? 'AES256';
  if (kms && keyId === undefined) {
    ctx.req.headers[KMS_KEY_HEADER] =
      `arn:aws:kms:us-east-1:${settings.ownerAccountId}:alias/aws/s3`;
  }
}

function answerEncryption(ctx: KoaContext, metadata: StoredMetadata | undefined): void {
  const method = metadata?.[SSE_HEADER];
  if (method === undefined || ctx.status >= 300) return;
  ctx.set(SSE_HEADER, method);
  const keyId = metadata?.[KMS_KEY_HEADER];
  if (keyId !== undefined) ctx.set(KMS_KEY_HEADER, keyId);
}

async function objectMetadata(
  store: FilesystemStore,
  bucket: string,
  key: string,
): Promise<StoredMetadata | undefined> {
  try {
    return await store.getMetadata(bucket, key);
  } catch (error) {
    if (isErrnoException(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export const serverSideEncryption: HarnessFix = {
  name: 'server-side-encryption',
  install(server, settings) {
    for (const name of SSE_HEADERS) {
      if (!S3Object.ALLOWED_METADATA.includes(name)) S3Object.ALLOWED_METADATA.push(name);
    }
    const store = server.store;
    useBeforeRouter(server, async (ctx: KoaContext, next: Next) => {
      const target = targetOf(ctx);
      if (target?.key === undefined) return next();
      const { bucket, key } = target;
      if (choosesEncryption(ctx)) {
        chooseEncryption(ctx, settings);
        await next();
        answerEncryption(ctx, ctx.req.headers as StoredMetadata);
        return;
      }
      const uploadId = queryValue(ctx, 'uploadId');
      if (uploadId === undefined) return next();
      if (ctx.method === 'PUT') {
        // UploadPart: S3 answers the upload's encryption with every part.
        await next();
        answerEncryption(ctx, await uploadMetadata(store, bucket, uploadId));
      } else if (ctx.method === 'POST') {
        await next();
        answerEncryption(ctx, await objectMetadata(store, bucket, key));
      } else await next();
    });
  },
};
