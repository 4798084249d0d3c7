import type S3rver from 's3rver';
import { bucketLifecycle, bucketVersioning } from './bucket-configuration.ts';
import { deleteObjectsFix } from './delete-objects.ts';
import { expectedBucketOwner } from './expected-bucket-owner.ts';
import { durableObjects } from './durable-objects.ts';
import {
  awsChunkedFence,
  checksumFence,
  conditionalRequestFence,
  unsupportedHeaderFence,
} from './fences.ts';
import type { HarnessFix } from './fix.ts';
import { keyTooLong } from './key-too-long.ts';
import { metadataLimits } from './metadata-limits.ts';
import { multipartUploads } from './multipart-uploads.ts';
import { objectTagging } from './object-tagging.ts';
import { safeKeyPaths } from './safe-key-paths.ts';
import { serverSideEncryption } from './server-side-encryption.ts';
import { DEFAULT_SETTINGS, type HarnessSettings } from './settings.ts';
import { sortedListing } from './sorted-listing.ts';
import { storageClasses } from './storage-classes.ts';
import { suffixRangeFix } from './suffix-ranges.ts';

/** Every fix and fence, in the order its middleware runs (request checks first). */
export const FIXES: readonly HarnessFix[] = [
  expectedBucketOwner,
  keyTooLong,
  awsChunkedFence,
  conditionalRequestFence,
  checksumFence,
  unsupportedHeaderFence,
  objectTagging,
  serverSideEncryption,
  metadataLimits,
  safeKeyPaths,
  durableObjects,
  storageClasses,
  suffixRangeFix,
  sortedListing,
  multipartUploads,
  deleteObjectsFix,
  bucketLifecycle,
  bucketVersioning,
];

export const FIX_NAMES: readonly string[] = FIXES.map((fix) => fix.name);

/**
 * Applies every fix except those named in `disabled` (only for proving that a test catches the
 * stock behaviour; an unknown name is an error, so a typo cannot disable nothing silently).
 */
export function installFixes(
  server: S3rver,
  disabled: readonly string[] = [],
  settings: HarnessSettings = DEFAULT_SETTINGS,
): void {
  const unknown = disabled.filter((name) => !FIX_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown S3 harness fix(es): ${unknown.join(', ')}; known: ${FIX_NAMES.join(', ')}`,
    );
  }
  for (const fix of FIXES) {
    if (!disabled.includes(fix.name)) fix.install(server, settings);
  }
}
