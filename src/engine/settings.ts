import type { FailureClass } from '../errors.ts';
import type { PinnedSettings } from '../ledger/records.ts';
import type { ExportSettings } from './export-plan.ts';
import type { KeyCase } from './keys.ts';
import type { Shard } from './shard.ts';

/**
 * Everything the engine is told, in its own words: built once from the validated Config by
 * src/config/engine-settings.ts and handed to chunk, verify, upkeep and plan. The engine never
 * sees the Config, a flag, an input or the environment.
 */
export interface EngineSettings {
  readonly ledger: LedgerSettings;
  readonly listing: ListingSettings;
  readonly transfer: TransferSettings;
  readonly budget: BudgetSettings;
  readonly upkeep: UpkeepSettings;
  /** Failures to make pending again: every class (true), one class, or none (undefined). */
  readonly retryFailed: true | FailureClass | undefined;
  readonly verify: { readonly deep: boolean; readonly requeue: boolean };
}

export interface LedgerSettings {
  /** This shard's own ledger folder. */
  readonly dir: string;
  /** Start the ledger over (`--reset-ledger`). */
  readonly reset: boolean;
  /** Settings a ledger is bound to: a later run with other values is refused. */
  readonly pinned: PinnedSettings;
}

/** What is listed and where each file's object goes: the same for chunk, verify and plan. */
export interface ListingSettings {
  /** '' for the whole account, else "/Folder" (no trailing slash). */
  readonly sourcePath: string;
  /** Key prefix of migrated objects ('' for none, never ending with "/"). */
  readonly prefix: string;
  /** The tool prefix (ending with "/"): the tool's own objects; migrated keys never start with it. */
  readonly toolPrefix: string;
  readonly keyCase: KeyCase;
  readonly shard: Shard;
  /** --include / --exclude globs (lower case, relative to the source path). */
  readonly filters: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly exports: ExportSettings;
}

export interface TransferSettings {
  readonly partSizeBytes: number;
  /** Bytes of file content in flight at once, across every transfer. */
  readonly maxMemoryBytes: number;
  /** `--compress text`: gzip text-like files sent whole when that saves at least 10%. */
  readonly compress: boolean;
  /** A retryable failure becomes permanent after this many attempts (across chunks). */
  readonly maxAttempts: number;
  /** A fixed number of transfers, or undefined to adapt up to `max`. */
  readonly concurrency: { readonly fixed: number | undefined; readonly max: number };
}

export interface BudgetSettings {
  readonly maxDurationMs: number | undefined;
  readonly graceMs: number;
  readonly batchSize: number | undefined;
  readonly maxBytes: number | undefined;
}

/** What a chunk does to the bucket after its transfers. */
export interface UpkeepSettings {
  /** Named in the manifest's header line. */
  readonly bucket: string;
  readonly keepEmptyFolders: boolean;
  /** `delete`: objects of files deleted or moved at the source are deleted (only ours). */
  readonly onSourceDelete: 'keep' | 'delete';
}
