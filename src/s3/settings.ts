import type { SseMode } from './encryption.ts';
import type { StorageClass } from './storage-classes.ts';

/**
 * What the S3 adapter is told: the bucket, where in it, how to reach it and how to write objects.
 * `src/config` builds it (the `s3` section of a Config); the adapter never reads a Config.
 */
export interface S3Settings {
  readonly bucket: string;
  /** Where migrated keys start: '' for the bucket root, else a prefix without a trailing "/". */
  readonly prefix: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  /** The class of migrated objects; the tool's own objects stay STANDARD. */
  readonly storageClass: StorageClass;
  readonly sse: SseMode | undefined;
  readonly sseKmsKeyId: string | undefined;
  /** Sent with every S3 call: S3 refuses the call when another account owns the bucket. */
  readonly expectedBucketOwner: string | undefined;
  /** The tool's own objects (manifest) live here; ends with "/"; migrated keys never start with it. */
  readonly toolPrefix: string;
  /**
   * `x-amz-tagging` of migrated objects (never of the tool's own): set when our lifecycle rule
   * finds them by tag because a prefix cannot (see src/s3/lifecycle.ts); undefined otherwise.
   */
  readonly tagging: string | undefined;
}

/** What building the client needs: where S3 is, and the bucket owner every call must name. */
export type S3ClientSettings = Pick<
  S3Settings,
  'bucket' | 'region' | 'endpoint' | 'forcePathStyle' | 'expectedBucketOwner'
>;
