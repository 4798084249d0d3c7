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

/** Classifies an error from the AWS SDK: what to do about it, and what a person should do. */
export function classifyS3Error(error: unknown, what: string, bucket: string): MigrationError {
  if (error instanceof MigrationError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const status =
    typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : 0;
  const detail = `${what}: S3 answered ${name}${status ? ` (HTTP ${String(status)})` : ''}`;
  const options = { cause: error };

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
