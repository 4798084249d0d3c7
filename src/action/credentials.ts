import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/config.ts';
import { formatDuration } from '../format.ts';
import { ConfigError } from '../errors.ts';

/** Saving the ledger and the summary after the chunk also needs the credentials. */
const AFTER_CHUNK_MS = 60_000;

/**
 * Refuses a chunk that would outlive the AWS credentials: an `ExpiredToken` half-way stops it
 * fatally. The expiry is known when the credentials the SDK resolves carry one (a role's session
 * credentials, `AWS_CREDENTIAL_EXPIRATION`) or the workflow passes the `aws-expiration` output of
 * configure-aws-credentials; long-lived keys and credentials that do not say are not checked. Credentials that cannot be resolved are left for the chunk to report.
 */
export async function checkCredentialLifetime(
  config: Config,
  client: S3Client,
  now: number = Date.now(),
): Promise<void> {
  const budget = config.budget.maxDurationMs;
  if (budget === undefined) return;
  let known: Date | undefined;
  try {
    known = (await client.config.credentials()).expiration;
  } catch {
    return;
  }
  const expiration = earliest([known, config.action?.awsCredentialsExpiration]);
  if (expiration === undefined) return;
  const left = expiration.getTime() - now;
  const needed = budget + config.budget.graceMs + AFTER_CHUNK_MS;
  if (left < needed) {
    throw new ConfigError(
      `max-duration ${formatDuration(budget)} is longer than the AWS credentials will live ` +
        `(they expire at ${expiration.toISOString()}, in ${formatDuration(Math.max(0, left))}; the chunk ` +
        `needs ${formatDuration(needed)} with the grace period and saving the ledger). Lower max-duration, ` +
        'or raise role-duration-seconds of aws-actions/configure-aws-credentials.',
    );
  }
}

function earliest(times: readonly (Date | undefined)[]): Date | undefined {
  const valid = times.filter(
    (time): time is Date => time !== undefined && !Number.isNaN(time.getTime()),
  );
  return valid.sort((a, b) => a.getTime() - b.getTime())[0];
}
