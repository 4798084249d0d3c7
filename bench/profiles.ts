import { GiB, KiB, MiB } from './accounts.ts';

/** Sizes of every scenario: `full` is the table, `quick` is for development. */
export interface Profile {
  readonly name: 'full' | 'quick';
  readonly smallFiles: {
    readonly count: number;
    readonly minBytes: number;
    readonly maxBytes: number;
    readonly concurrency: number;
  };
  readonly largeFiles: { readonly sizes: readonly number[]; readonly concurrency: number };
  readonly bigLedger: { readonly files: number; readonly changes: number; readonly batch: number };
  readonly rateLimit: { readonly files: number; readonly perSecond: number };
  readonly shards: {
    readonly files: number;
    readonly count: number;
    readonly concurrency: number;
    readonly latencyMs: number;
  };
}

export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  full: {
    name: 'full',
    smallFiles: { count: 10_000, minBytes: KiB, maxBytes: 256 * KiB, concurrency: 8 },
    largeFiles: { sizes: [...Array<number>(20).fill(64 * MiB), 2 * GiB], concurrency: 4 },
    bigLedger: { files: 124_000, changes: 100, batch: 100 },
    rateLimit: { files: 1_200, perSecond: 20 },
    shards: { files: 2_000, count: 4, concurrency: 4, latencyMs: 50 },
  },
  quick: {
    name: 'quick',
    smallFiles: { count: 1_000, minBytes: KiB, maxBytes: 256 * KiB, concurrency: 8 },
    largeFiles: { sizes: [...Array<number>(4).fill(64 * MiB), 256 * MiB], concurrency: 4 },
    bigLedger: { files: 12_400, changes: 100, batch: 100 },
    rateLimit: { files: 300, perSecond: 20 },
    shards: { files: 400, count: 4, concurrency: 4, latencyMs: 50 },
  },
};
