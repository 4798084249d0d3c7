import { toCsv } from './csv.ts';
import { failedFiles } from './failures.ts';
import type { ShardLedger } from './shards.ts';

/** The name of the artifact that holds every failure as CSV. */
export const FAILURES_ARTIFACT = 'dropbox-to-s3-failures';
export const FAILURES_CSV = 'failures.csv';

/** The full failure list, for the CSV artifact. */
export function failuresCsv(shards: readonly ShardLedger[]): string {
  return toCsv(
    ['shard', 'class', 'kind', 'path', 'key', 'size', 'attempts', 'failed_at', 'reason'],
    failedFiles(shards).map(({ shard, record }) => [
      shard,
      record.failure?.failureClass ?? 'unknown',
      record.failure?.kind ?? '',
      record.path,
      record.key,
      record.size,
      record.attempts,
      record.failure?.at ?? '',
      record.failure?.reason ?? '',
    ]),
  );
}
