import type { TargetLimits } from '../engine/target.ts';

const MiB = 1024 * 1024;

/**
 * What S3 allows: keys of at most 1024 bytes of UTF-8, at most 10,000 parts of 5 MiB to 5 GiB
 * (the last part may be smaller). https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 * and https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */
export const S3_LIMITS: TargetLimits = {
  name: 'S3',
  maxKeyBytes: 1024,
  maxParts: 10_000,
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * 1024 * MiB,
};
