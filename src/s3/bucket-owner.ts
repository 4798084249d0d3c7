import type { S3Client } from '@aws-sdk/client-s3';
import { ownerMismatchError } from './errors.ts';
import type { S3Settings } from './settings.ts';

const OWNER_HEADER = 'x-amz-expected-bucket-owner';

/**
 * Makes every request of `client` carry `x-amz-expected-bucket-owner` (--expected-bucket-owner):
 * a middleware rather than the `ExpectedBucketOwner` field of each command, so no call can leave
 * it out, including calls added later. A 403 then becomes a fatal error that names the flag.
 * The client becomes this migration's: do not share it with code that must not send the header.
 */
export function applyExpectedBucketOwner(
  client: S3Client,
  s3: Pick<S3Settings, 'bucket' | 'expectedBucketOwner'>,
): void {
  const owner = s3.expectedBucketOwner;
  if (owner === undefined) return;
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers !== undefined) request.headers[OWNER_HEADER] = owner;
      return next(args);
    },
    { step: 'build', name: 'dropboxToS3ExpectedBucketOwner', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const command = (context.commandName ?? 'a request').replace(/Command$/, '');
        const key = (args.input as { Key?: unknown }).Key;
        const what = typeof key === 'string' ? `${command} of ${key}` : command;
        throw ownerMismatchError(error, { what, bucket: s3.bucket, owner }) ?? error;
      }
    },
    { step: 'initialize', name: 'dropboxToS3ExpectedBucketOwnerErrors', override: true },
  );
}
