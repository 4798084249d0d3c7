import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { shardLabel } from '../../engine/shard.ts';

/**
 * The start of every cache key and artifact name of one shard of one migration:
 * `dropbox-to-s3-ledger-<bucket>-<hash of the prefix>-shard-<i>-of-<n>-`. It ends in a delimiter so
 * a lookup for shard 1 never matches shard 10. The prefix is hashed: it may hold characters cache
 * keys and artifact names do not allow.
 */
export function ledgerEntryPrefix(config: Config): string {
  const scope = createHash('sha256')
    .update(`${config.s3.prefix}\n${config.dropbox.sourcePath}`)
    .digest('hex')
    .slice(0, 12);
  return `dropbox-to-s3-ledger-${config.s3.bucket}-${scope}-${shardLabel(config.shard)}-`;
}
