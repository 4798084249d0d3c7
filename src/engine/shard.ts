import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.ts';

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

/** Parses "i/n" with 0 ≤ i < n. */
export function parseShard(text: string, flag: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new ConfigError(
      `${flag} "${text}" is not of the form i/n (for example 0/4: the first of four shards).`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 256) {
    throw new ConfigError(
      `${flag} "${text}" is out of range: n (the number of shards) must be 1 to 256 (for example 0/4).`,
    );
  }
  if (index >= count) {
    throw new ConfigError(
      `${flag} "${text}" is out of range: i must be 0 to n-1 ` +
        `(for ${String(count)} shards, 0/${String(count)} to ${String(count - 1)}/${String(count)}).`,
    );
  }
  return { index, count };
}
