import type { KoaContext, Next } from 's3rver';
import { hasQuery, headerValue, targetOf } from '../request.ts';
import { notImplemented } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { choosesEncryption, SSE_HEADERS } from './server-side-encryption.ts';

// Fences: things real S3 does that s3rver ignores or gets wrong and the harness does not emulate.
// Each answers 501 NotImplemented (not retried by the AWS SDK) instead of pretending to succeed.

function fence(name: string, check: (ctx: KoaContext) => void): HarnessFix {
  return {
    name,
    install(server) {
      useBeforeRouter(server, async (ctx: KoaContext, next: Next) => {
        check(ctx);
        await next();
      });
    },
  };
}

const isObjectRequest = (ctx: KoaContext): boolean => targetOf(ctx)?.key !== undefined;
const isRead = (ctx: KoaContext): boolean => ctx.method === 'GET' || ctx.method === 'HEAD';

/** Writes of object data: PutObject, CopyObject, UploadPart, Create/CompleteMultipartUpload. */
function isObjectDataWrite(ctx: KoaContext): boolean {
  if (!isObjectRequest(ctx)) return false;
  if (ctx.method === 'PUT') return !hasQuery(ctx, 'tagging') && !hasQuery(ctx, 'acl');
  return ctx.method === 'POST' && (hasQuery(ctx, 'uploads') || hasQuery(ctx, 'uploadId'));
}

const headerNames = (ctx: KoaContext): string[] => Object.keys(ctx.headers);

// S3 decodes `aws-chunked` bodies (STREAMING-* x-amz-content-sha256, used by the SDK's default
// checksum mode for streams) and checks their signatures and trailing checksums. s3rver would
// store the chunk framing as the object's bytes. Clients must be configured with
// requestChecksumCalculation: 'WHEN_REQUIRED' (startS3().clientConfig() is).
export const awsChunkedFence = fence('aws-chunked-payloads', (ctx) => {
  const sha = headerValue(ctx, 'x-amz-content-sha256') ?? '';
  const encoding = headerValue(ctx, 'content-encoding') ?? '';
  if (
    sha.startsWith('STREAMING-') ||
    encoding.split(',').some((part) => part.trim() === 'aws-chunked') ||
    ctx.headers['x-amz-decoded-content-length'] !== undefined
  ) {
    throw notImplemented(
      'aws-chunked (STREAMING-*) payload encoding',
      "Configure the S3 client with requestChecksumCalculation: 'WHEN_REQUIRED' (AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED).",
    );
  }
});

// S3 honours If-None-Match / If-Match on PutObject and CompleteMultipartUpload (412 or 409),
// If-Match on DeleteObject, x-amz-copy-source-if-* on CopyObject, and If-Match /
// If-Unmodified-Since on GetObject. s3rver ignores all of these (it only knows If-None-Match and
// If-Modified-Since on GET), so a conditional write would silently overwrite. Test conditional
// paths against real S3, or through a fake of the client, and say so.
export const conditionalRequestFence = fence('conditional-requests', (ctx) => {
  if (!isObjectRequest(ctx)) return;
  const conditional = isRead(ctx)
    ? ['if-match', 'if-unmodified-since']
    : ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];
  const used = headerNames(ctx).find(
    (name) => conditional.includes(name) || name.startsWith('x-amz-copy-source-if-'),
  );
  if (used !== undefined) {
    throw notImplemented(
      `Conditional request header ${used} on ${ctx.method}`,
      'Test conditional writes and reads another way.',
    );
  }
});

// S3 verifies x-amz-checksum-* values on uploads, stores them, and returns them when asked
// (x-amz-checksum-mode: ENABLED). s3rver ignores them. Integrity of stored bytes can be checked
// here with Content-MD5 (verified: BadDigest) or by reading the object back. DeleteObjects, which
// the SDK always sends with a checksum, is verified by its own handler (delete-objects).
export const checksumFence = fence('checksum-headers', (ctx) => {
  const names = headerNames(ctx);
  const used = isObjectDataWrite(ctx)
    ? names.find(
        (name) =>
          name.startsWith('x-amz-checksum-') ||
          name === 'x-amz-sdk-checksum-algorithm' ||
          name === 'x-amz-trailer',
      )
    : isObjectRequest(ctx) && isRead(ctx)
      ? names.find((name) => name === 'x-amz-checksum-mode')
      : undefined;
  if (used !== undefined) {
    throw notImplemented(
      `Checksum header ${used}`,
      "Use requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED', and Content-MD5 or a read-back to verify bytes.",
    );
  }
});

// S3 applies server-side encryption, object tags, ACLs and object-lock settings given on upload,
// and reports them back; s3rver drops these headers without a word. The encryption method and KMS
// key id on PutObject and CreateMultipartUpload are emulated (server-side-encryption), and so are
// tags (object-tagging); SSE-C, encryption context and bucket keys are not.
const UNSUPPORTED_WRITE_HEADERS = [
  /^x-amz-server-side-encryption/,
  /^x-amz-object-lock-/,
  /^x-amz-acl$/,
  /^x-amz-grant-/,
];
export const unsupportedHeaderFence = fence('unsupported-write-headers', (ctx) => {
  if (!isObjectDataWrite(ctx)) return;
  const emulated = choosesEncryption(ctx) ? SSE_HEADERS : [];
  const used = headerNames(ctx).find(
    (name) =>
      !emulated.includes(name) && UNSUPPORTED_WRITE_HEADERS.some((pattern) => pattern.test(name)),
  );
  if (used !== undefined) {
    throw notImplemented(`Header ${used}`, 's3rver would store the object and ignore it.');
  }
});
