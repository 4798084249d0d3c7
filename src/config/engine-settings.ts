import type { EngineSettings, ListingSettings } from '../engine/settings.ts';
import { shardText } from '../engine/shard.ts';
import type { PinnedSettings } from '../ledger/records.ts';
import type { Config } from './config.ts';

/** The engine's own settings, from the validated Config: the one place that translates them. */
export function engineSettings(config: Config): EngineSettings {
  return {
    ledger: { dir: config.ledgerDir, reset: config.resetLedger, pinned: pinnedSettings(config) },
    listing: listingSettings(config),
    transfer: {
      partSizeBytes: config.partSizeBytes,
      maxMemoryBytes: config.maxMemoryBytes,
      compress: config.compress === 'text',
      maxAttempts: config.maxAttempts,
      concurrency: config.concurrency,
    },
    budget: config.budget,
    upkeep: {
      bucket: config.s3.bucket,
      keepEmptyFolders: config.keepEmptyFolders,
      onSourceDelete: config.onSourceDelete,
    },
    retryFailed: config.retryFailed,
    verify: config.verify,
  };
}

/** What is listed and how keys are made (plan needs only this). */
export function listingSettings(config: Config): ListingSettings {
  return {
    sourcePath: config.dropbox.sourcePath,
    prefix: config.s3.prefix,
    toolPrefix: config.s3.toolPrefix,
    keyCase: config.keyCase,
    shard: config.shard,
    filters: config.filters,
    exports: config.exports,
  };
}

/** The settings a ledger is bound to: changing one of them on an existing ledger is refused. */
export function pinnedSettings(config: Config): PinnedSettings {
  return {
    sourcePath: config.dropbox.sourcePath,
    bucket: config.s3.bucket,
    prefix: config.s3.prefix,
    keyCase: config.keyCase,
    shard: shardText(config.shard),
    teamRoot: config.dropbox.teamRoot ? 'on' : 'off',
    include: config.filters.include.join(', '),
    exclude: config.filters.exclude.join(', '),
    exports:
      config.exports.mode === 'skip'
        ? 'skip'
        : `export${config.exports.format === undefined ? '' : `:${config.exports.format}`}`,
    compress: config.compress,
  };
}
