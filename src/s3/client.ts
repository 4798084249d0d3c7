import { S3Client } from '@aws-sdk/client-s3';
import { applyExpectedBucketOwner } from './bucket-owner.ts';
import type { S3ClientSettings } from './settings.ts';

/** The S3 client of this migration: its region and endpoint, and the bucket-owner check on every call. */
export function s3ClientFor(s3: S3ClientSettings): S3Client {
  const client = new S3Client({
    region: s3.region,
    ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }),
    forcePathStyle: s3.forcePathStyle,
  });
  applyExpectedBucketOwner(client, s3);
  return client;
}
