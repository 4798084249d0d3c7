import { fatal, MigrationError, permanent, retryable } from '../errors.ts';

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * S3 encrypts with KMS (--sse aws:kms, or the bucket's default encryption) on behalf of the caller:
 * a missing or disabled key comes back as `KMS.*` (KMS.NotFoundException, KMS.DisabledException,
 * KMS.KMSInvalidStateException, …), a missing permission as AccessDenied naming the KMS action.
 */
function isKmsError(name: string, message: unknown): boolean {
  return (
    name.startsWith('KMS.') ||
    (name === 'AccessDenied' && typeof message === 'string' && /\bkms:/i.test(message))
  );
}

function kmsError(detail: string, options: { cause: unknown }): MigrationError {
  return fatal(
    'access_denied',
    `${detail}: S3 could not use the KMS key that encrypts the objects (--sse aws:kms with ` +
      '--sse-kms-key-id, or the bucket default). Check that the key exists, is enabled and is in ' +
      "the bucket's region, and that the AWS identity may use it: kms:GenerateDataKey, and " +
      'kms:Decrypt for multipart uploads (files larger than --part-size).',
    options,
  );
}

/**
 * With --expected-bucket-owner, S3 answers 403 AccessDenied to every call when another account
 * owns the bucket, with nothing that tells this apart from a missing permission: the message
 * names both. `undefined` when the error is not a 403 (or is about KMS).
 */
export function ownerMismatchError(
  error: unknown,
  call: { readonly what: string; readonly bucket: string; readonly owner: string },
): MigrationError | undefined {
  const { what, bucket, owner } = call;
  if (error instanceof MigrationError) return undefined;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  if (shape.$metadata?.httpStatusCode !== 403 || isKmsError(name, shape.message)) return undefined;
  return fatal(
    'access_denied',
    `${what}: S3 denied access to ${bucket} (HTTP 403). With --expected-bucket-owner ${owner}, S3 ` +
      'refuses every call when another AWS account owns the bucket: check that account id. If it ' +
      'is right, the AWS identity lacks a permission on the bucket (s3:PutObject, s3:GetObject, ' +
      's3:ListBucket, s3:ListBucketMultipartUploads, s3:AbortMultipartUpload).',
    { cause: error },
  );
}

/** The HTTP status of the answer an AWS SDK error came from, when there was one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Classifies an error from the AWS SDK: what to do about it, and what a person should do. */
export function classifyS3Error(error: unknown, what: string, bucket: string): MigrationError {
  if (error instanceof MigrationError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const status = httpStatusOf(error) ?? 0;
  const detail = `${what}: S3 answered ${name}${status ? ` (HTTP ${String(status)})` : ''}`;
  const options = { cause: error };

  if (isKmsError(name, shape.message)) return kmsError(detail, options);
  switch (name) {
    case 'NoSuchBucket':
      return fatal(
        'missing_bucket',
        `the bucket ${bucket} does not exist; create it or fix --bucket.`,
        options,
      );
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
      return fatal(
        'expired_aws_credentials',
        `the AWS credentials expired (${detail}). Keep --max-duration shorter than the credentials' lifetime ` +
          '(role-duration-seconds), then run again.',
        options,
      );
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'CredentialsProviderError':
      return fatal('bad_credentials', `S3 refused the AWS credentials (${detail}).`, options);
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return fatal(
        'access_denied',
        `${detail}: the AWS identity may not use ${bucket} this way. Grant s3:PutObject, ` +
          's3:GetObject, s3:ListBucket, s3:ListBucketMultipartUploads and s3:AbortMultipartUpload on it.',
        options,
      );
    case 'KeyTooLongError':
      return permanent('key_too_long', `${detail}: the key is longer than S3 allows.`, options);
    case 'NoSuchUpload':
      // An AbortIncompleteMultipartUpload rule (or a person) aborted it while it was resumed; the
      // file's next attempt starts a new upload (the chunk drops a failed file's checkpoint).
      return retryable(
        'upload_lost',
        `${detail}: the multipart upload is gone from S3 (aborted); the file starts over.`,
        options,
      );
    case 'SlowDown':
      return retryable('rate_limited', `${detail}: S3 asks to slow down.`, options);
  }
  if (status >= 500 || shape.$retryable !== undefined) {
    return retryable('server_error', detail, options);
  }
  if (NETWORK_CODES.has(code ?? name) || (status === 0 && error instanceof TypeError)) {
    return retryable('network', `${what}: the connection to S3 failed (${code ?? name}).`, options);
  }
  if (status === 0) {
    return retryable(
      'network',
      `${what}: no answer from S3 (${code ?? name}: ${String(shape.message)})`,
      options,
    );
  }
  return permanent('unknown', detail, options);
}
