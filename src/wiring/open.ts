import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/config.ts';
import { DropboxSource, type DropboxSourceOptions } from '../dropbox/source.ts';
import type { Source } from '../engine/source.ts';
import type { Target, TargetLimits } from '../engine/target.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { setUpBucket, type BucketSetupResult } from '../s3/bucket-lifecycle.ts';
import { s3ClientFor } from '../s3/client.ts';
import { S3LedgerStore } from '../s3/ledger-store.ts';
import { S3_LIMITS } from '../s3/limits.ts';
import { S3Target } from '../s3/target.ts';

// The one place a Config becomes the adapters the engine works with: the CLI, the action's steps
// and the test bed open the source, the target and the S3 client here, never by hand.

/** The migration's S3 client: its region and endpoint, and the bucket-owner check on every call. */
export function openS3(config: Config): S3Client {
  return s3ClientFor(config.s3);
}

/** The bucket as the engine's target; pass the client when the step already has one. */
export function openTarget(config: Config, client: S3Client = openS3(config)): Target {
  return new S3Target(config.s3, client);
}

/** What the target allows (key length, parts), for work that never calls it: `plan`. */
export function targetLimits(_config: Config): TargetLimits {
  return S3_LIMITS;
}

/** The Dropbox account as the engine's source; `options` say where its log lines and tokens go. */
export function openSource(config: Config, options: DropboxSourceOptions = {}): Source {
  return new DropboxSource(config.dropbox, options);
}

/** This shard's ledger as objects in the bucket (`ledger-store: s3`). */
export function openS3LedgerStore(config: Config, client: S3Client): LedgerStore {
  return new S3LedgerStore(client, config.s3, config.shard);
}

/** Our lifecycle rule in the bucket and the versioning check, once per migration. */
export function setUpBucketFor(config: Config, client: S3Client): Promise<BucketSetupResult> {
  return setUpBucket(client, {
    bucket: config.s3.bucket,
    prefix: config.s3.prefix,
    toolPrefix: config.s3.toolPrefix,
    lifecycle: config.lifecycle,
  });
}
