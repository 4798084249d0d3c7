/**
 * The engine on the in-memory Source and Target, for unit tests of its rules (breaker, retries,
 * deadline): no HTTP, a clock that jumps over every wait, a ledger in a temporary folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import { SILENT, type ProgressListener } from '../../src/engine/progress.ts';
import type {
  BudgetSettings,
  EngineSettings,
  ListingSettings,
  TransferSettings,
  UpkeepSettings,
} from '../../src/engine/settings.ts';
import { shardText, WHOLE_ACCOUNT } from '../../src/engine/shard.ts';
import { LedgerView } from '../../src/ledger/ledger.ts';
import { AutoClock } from './fake-clock.ts';
import { MemorySource, type MemorySourceOptions } from './memory-source.ts';
import { MemoryTarget } from './memory-target.ts';

const MiB = 1024 * 1024;

/** Changes to the settings of one run, section by section. */
export interface SettingsChanges {
  readonly listing?: Partial<ListingSettings>;
  readonly transfer?: Partial<TransferSettings>;
  readonly budget?: Partial<BudgetSettings>;
  readonly upkeep?: Partial<UpkeepSettings>;
  readonly retryFailed?: EngineSettings['retryFailed'];
}

/**
 * The engine's settings for a test, in one place: the product's defaults where they matter to the
 * rules under test (5 attempts, a 5 s grace, concurrency adapting up to 32), an 8 MiB part (the
 * smallest the CLI accepts), no key prefix, the whole account.
 */
export function testSettings(ledgerDir: string, changes: SettingsChanges = {}): EngineSettings {
  const listing: ListingSettings = {
    sourcePath: '',
    prefix: '',
    toolPrefix: '_dropbox-to-s3/',
    keyCase: 'display',
    shard: WHOLE_ACCOUNT,
    filters: { include: [], exclude: [] },
    exports: { mode: 'export', format: undefined },
    ...changes.listing,
  };
  return {
    ledger: {
      dir: ledgerDir,
      reset: false,
      pinned: {
        sourcePath: listing.sourcePath,
        bucket: 'memory',
        prefix: listing.prefix,
        keyCase: listing.keyCase,
        shard: shardText(listing.shard),
      },
    },
    listing,
    transfer: {
      partSizeBytes: 8 * MiB,
      maxMemoryBytes: 64 * MiB,
      compress: false,
      maxAttempts: 5,
      concurrency: { fixed: undefined, max: 32 },
      ...changes.transfer,
    },
    budget: {
      maxDurationMs: undefined,
      graceMs: 5000,
      batchSize: undefined,
      maxBytes: undefined,
      ...changes.budget,
    },
    upkeep: {
      bucket: 'memory',
      keepEmptyFolders: false,
      onSourceDelete: 'keep',
      ...changes.upkeep,
    },
    retryFailed: changes.retryFailed,
    verify: { deep: false, requeue: false },
  };
}

/** A memory source and bucket, a self-moving clock, a ledger folder; chunks run against them. */
export interface EngineBed {
  readonly source: MemorySource;
  readonly target: MemoryTarget;
  readonly clock: AutoClock;
  readonly ledgerDir: string;
  chunk(
    changes?: SettingsChanges,
    options?: { progress?: ProgressListener; stop?: AbortSignal },
  ): Promise<ChunkResult>;
  /** The ledger as saved. */
  ledger(): Promise<LedgerView>;
}

export async function engineBed(
  t: { after: (fn: () => Promise<void>) => void },
  source: Omit<MemorySourceOptions, 'clock'> = {},
): Promise<EngineBed> {
  const ledgerDir = await mkdtemp(join(tmpdir(), 'engine-'));
  t.after(() => rm(ledgerDir, { recursive: true, force: true }));
  const clock = new AutoClock(Date.parse('2026-03-01T00:00:00Z'));
  const bed: EngineBed = {
    source: new MemorySource({ ...source, clock }),
    target: new MemoryTarget({ clock }),
    clock,
    ledgerDir,
    chunk: (changes = {}, options = {}) =>
      runChunk(testSettings(ledgerDir, changes), {
        source: bed.source,
        target: bed.target,
        clock,
        progress: options.progress ?? SILENT,
        ...(options.stop === undefined ? {} : { stop: options.stop }),
      }),
    ledger: async () => {
      const view = await LedgerView.inspect(ledgerDir);
      if (view === undefined) throw new Error(`no ledger in ${ledgerDir}`);
      return view;
    },
  };
  return bed;
}
