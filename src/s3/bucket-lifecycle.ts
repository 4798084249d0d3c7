import {
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { messageOf, MigrationError } from '../errors.ts';
import { httpStatusOf } from './errors.ts';
import { planLifecycle, type BucketLifecycle, type RuleScope } from './lifecycle.ts';
import type { LifecycleSetting } from './storage-classes.ts';

/** What setting up the bucket did, for the log and the job summary, and what needs a person. */
export interface BucketSetupResult {
  /** One line each: the lifecycle rule written, unchanged or removed. */
  readonly lines: readonly string[];
  /** Missing permissions, a versioned bucket: shown as warnings; the migration carries on. */
  readonly warnings: readonly string[];
}

/** The bucket, where the migrated objects are in it, and the rule `--lifecycle` asks for. */
export interface BucketSetup extends RuleScope {
  readonly bucket: string;
  /** Undefined for `--lifecycle none`: no rule of ours (an existing one is removed). */
  readonly lifecycle: LifecycleSetting | undefined;
}

/**
 * Once per migration (the action's finalize, the CLI's shard 0): our lifecycle rule, merged into
 * the bucket's configuration (read, replace ours by ID, write only when it changed), and a warning
 * when the bucket keeps old versions. Nothing here fails the migration: a missing permission or a
 * store without these APIs is a warning that names what to grant or do.
 */
export async function setUpBucket(
  client: S3Client,
  setup: BucketSetup,
): Promise<BucketSetupResult> {
  const lifecycle = await applyLifecycle(client, setup);
  const versioning = await versioningWarning(client, setup.bucket);
  return {
    lines: 'line' in lifecycle ? [lifecycle.line] : [],
    warnings: [
      ...('warning' in lifecycle ? [lifecycle.warning] : []),
      ...(versioning === undefined ? [] : [versioning]),
    ],
  };
}

/** What became of our rule (one line), or why nothing was written (one warning). */
async function applyLifecycle(
  client: S3Client,
  setup: BucketSetup,
): Promise<{ line: string } | { warning: string }> {
  const { bucket } = setup;
  const current = await readLifecycle(client, bucket);
  if (typeof current === 'string') {
    // Without the current configuration a write would drop the bucket's other rules.
    return { warning: current };
  }
  const plan = planLifecycle(current, setup.lifecycle, setup);
  const names = plan.ids.join(' and ');
  if (plan.action === 'unchanged') {
    return {
      line:
        plan.ids.length === 0
          ? `No lifecycle rule of dropbox-to-s3 in ${bucket} (--lifecycle none).`
          : `Lifecycle rule ${names} in ${bucket}: unchanged.`,
    };
  }
  try {
    if (plan.action === 'delete') {
      await client.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    } else {
      const { rules, transitionDefaultMinimumObjectSize } = plan.configuration;
      await client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: [...rules] },
          // Sent back as read: left out, S3 would reset it to its default.
          ...(transitionDefaultMinimumObjectSize === undefined
            ? {}
            : { TransitionDefaultMinimumObjectSize: transitionDefaultMinimumObjectSize }),
        }),
      );
    }
  } catch (error) {
    return {
      warning: problem(
        error,
        `write the lifecycle rule ${names} of ${bucket}`,
        's3:PutLifecycleConfiguration',
      ),
    };
  }
  const removed = setup.lifecycle === undefined;
  return { line: `Lifecycle rule ${names} in ${bucket}: ${removed ? 'removed' : 'written'}.` };
}

/** The bucket's rules (none without a configuration), or a warning when they cannot be read. */
async function readLifecycle(client: S3Client, bucket: string): Promise<BucketLifecycle | string> {
  try {
    const result = await client.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }),
    );
    return {
      rules: result.Rules ?? [],
      transitionDefaultMinimumObjectSize: result.TransitionDefaultMinimumObjectSize,
    };
  } catch (error) {
    if (errorName(error) === 'NoSuchLifecycleConfiguration') {
      return { rules: [], transitionDefaultMinimumObjectSize: undefined };
    }
    return problem(
      error,
      `read the lifecycle configuration of ${bucket}, so no rule was written`,
      's3:GetLifecycleConfiguration',
    );
  }
}

/**
 * Every object the tool copies again (a changed file, `--retry-failed`, a moved folder) leaves
 * the previous one behind as a noncurrent version when versioning is on or was on.
 */
async function versioningWarning(client: S3Client, bucket: string): Promise<string | undefined> {
  let status: string | undefined;
  try {
    status = (await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  } catch (error) {
    return problem(error, `read whether ${bucket} keeps versions`, 's3:GetBucketVersioning');
  }
  if (status === 'Enabled') {
    return (
      `${bucket} has versioning on: every object the migration writes again (a changed or retried ` +
      'file) keeps its old version, stored and billed. Add a NoncurrentVersionExpiration lifecycle ' +
      'rule, or migrate into a bucket without versioning.'
    );
  }
  if (status === 'Suspended') {
    return (
      `${bucket} had versioning on (now suspended): versions written while it was on stay stored ` +
      'and billed until deleted or expired by a NoncurrentVersionExpiration rule.'
    );
  }
  return undefined;
}

/** A warning for a failed call: the permission when S3 denied it, else what it answered. */
function problem(error: unknown, what: string, permission: string): string {
  if (isAccessDenied(error)) {
    return `Could not ${what}: access denied. Grant ${permission} on the bucket (see the README's bucket policy); the migration carries on without it.`;
  }
  if (httpStatusOf(error) === 501) {
    return `Could not ${what}: the S3 store does not implement it (NotImplemented); the migration carries on without it.`;
  }
  return `Could not ${what} (${messageOf(error)}); the migration carries on, and the next run tries again.`;
}

function isAccessDenied(error: unknown): boolean {
  // With --expected-bucket-owner, a 403 arrives wrapped in a MigrationError naming the owner.
  const sdkError = error instanceof MigrationError ? error.cause : error;
  return httpStatusOf(sdkError) === 403 || errorName(sdkError) === 'AccessDenied';
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}
