import { createHash } from 'node:crypto';

/** Which slice of the account one job works on: shard `index` of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE_ACCOUNT: Shard = { index: 0, count: 1 };

/** The shard in names of folders, keys and store entries: `shard-0-of-4`. */
export function shardLabel(shard: Shard): string {
  return `shard-${String(shard.index)}-of-${String(shard.count)}`;
}

/** The shard as a person writes it (and `--shard` takes it): `0/4`. */
export function shardText(shard: Shard): string {
  return `${String(shard.index)}/${String(shard.count)}`;
}

/**
 * The shard a Dropbox file belongs to: the first four bytes of sha256(id), as an unsigned
 * big-endian integer, modulo the shard count. Ids are stable across renames, so a moved file stays
 * in its shard.
 */
export function shardOf(id: string, count: number): number {
  if (count === 1) return 0;
  return createHash('sha256').update(id).digest().readUInt32BE(0) % count;
}

export function inShard(id: string, shard: Shard): boolean {
  return shardOf(id, shard.count) === shard.index;
}
