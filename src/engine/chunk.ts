import { formatBytes } from '../format.ts';
import {
  fatal,
  messageOf,
  MigrationError,
  retryable,
  stopsUpkeep,
  type FailureClass,
} from '../errors.ts';
import { Ledger, type LedgerTotals } from '../ledger/ledger.ts';
import type { FileRecord, UploadCheckpoint } from '../ledger/records.ts';
import { upkeepBucket, type UpkeepResult } from './bucket-upkeep.ts';
import { systemClock, type Clock } from './clock.ts';
import {
  dropStaleCheckpoints,
  resumableUploads,
  saveCheckpoint,
  withoutCheckpoint,
} from './checkpoint.ts';
import { ConcurrencyController, DEFAULT_CONCURRENCY } from './concurrency.ts';
import { transferExport, type StoredExport } from './export.ts';
import { GatedSource } from './gated-source.ts';
import type { InventoryResult } from './inventory.ts';
import { MemoryBudget } from './memory.ts';
import { SILENT, type ProgressListener } from './progress.ts';
import { RateGate } from './rate-gate.ts';
import type { ReconcileResult } from './reconcile.ts';
import { refreshListing } from './refresh-listing.ts';
import { retryFailures } from './retry-failed.ts';
import { schedule } from './scheduler.ts';
import type { EngineSettings } from './settings.ts';
import type { Source, SourceFile } from './source.ts';
import type { Target } from './target.ts';
import { transferFile, type TransferOutcome } from './transfer.ts';

/** This many failures of one class in a row, with no success between, mean a service is down. */
export const CIRCUIT_BREAKER_THRESHOLD = 20;
/** Times a retryable failure is retried within one chunk before it waits for the next. */
const RETRIES_PER_CHUNK = 2;

/** Failures of one class in a row, and each file's record before the streak charged it. */
interface Streak {
  readonly failureClass: FailureClass;
  count: number;
  readonly before: Map<string, FileRecord>;
}

export type StoppedBy = 'done' | 'deadline' | 'stopped' | 'limit' | 'fatal';

export interface ChunkResult {
  readonly chunk: {
    readonly migrated: number;
    /** Of those migrated, documents stored as their export. */
    readonly exports: number;
    readonly failed: number;
    /** Large files stopped part-way at the deadline; the next chunk resumes them. */
    readonly checkpointed: number;
    readonly bytes: number;
    readonly durationMs: number;
    readonly stoppedBy: StoppedBy;
    /** Objects deleted because their files were deleted or moved in Dropbox (`--on-source-delete delete`). */
    readonly removed: number;
  };
  readonly total: LedgerTotals;
  /** Nothing is pending or waiting to be retried. */
  readonly done: boolean;
  readonly inventory: InventoryResult | undefined;
  readonly reconciled: ReconcileResult | undefined;
  /** Deletions applied, folder markers and the manifest; undefined when the chunk was stopped first. */
  readonly upkeep: UpkeepResult | undefined;
  readonly fatal: MigrationError | undefined;
}

export interface ChunkDependencies {
  readonly source: Source;
  readonly target: Target;
  readonly clock?: Clock;
  readonly progress?: ProgressListener;
  /** Aborted by SIGINT/SIGTERM: start nothing new, finish within the grace period. */
  readonly stop?: AbortSignal;
}

/** Runs one chunk: update the inventory, move what is pending within the budget, save the ledger. */
export async function runChunk(
  settings: EngineSettings,
  deps: ChunkDependencies,
): Promise<ChunkResult> {
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const { dir, pinned, reset } = settings.ledger;
  const ledger = await Ledger.open(dir, pinned, reset);
  try {
    return await new ChunkRun(settings, deps, ledger, clock, startedAt).run();
  } finally {
    await ledger.close();
  }
}

class ChunkRun {
  private migrated = 0;
  private exports = 0;
  private failed = 0;
  private checkpointed = 0;
  private bytes = 0;
  private fatalError: MigrationError | undefined;
  private streak: Streak | undefined;
  private readonly queue: FileRecord[] = [];
  private readonly retriesInChunk = new Map<string, number>();
  private readonly internalStop = new AbortController();
  private readonly controller: ConcurrencyController;
  private readonly source: Source;
  private readonly progress: ProgressListener;
  private readonly settings: EngineSettings;
  private readonly deps: ChunkDependencies;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private readonly startedAt: number;

  constructor(
    settings: EngineSettings,
    deps: ChunkDependencies,
    ledger: Ledger,
    clock: Clock,
    startedAt: number,
  ) {
    this.settings = settings;
    this.deps = deps;
    this.ledger = ledger;
    this.clock = clock;
    this.startedAt = startedAt;
    this.progress = deps.progress ?? SILENT;
    this.controller = new ConcurrencyController(
      { ...DEFAULT_CONCURRENCY, ...settings.transfer.concurrency },
      clock,
    );
    this.source = new GatedSource(deps.source, new RateGate(clock), this.controller);
    const stop = deps.stop;
    if (stop !== undefined) {
      if (stop.aborted) this.internalStop.abort();
      else
        stop.addEventListener(
          'abort',
          () => {
            this.internalStop.abort();
          },
          { once: true },
        );
    }
  }

  async run(): Promise<ChunkResult> {
    let inventory: InventoryResult | undefined;
    let reconciled: ReconcileResult | undefined;
    let upkeep: UpkeepResult | undefined;
    let stoppedBy: StoppedBy = 'done';
    try {
      await this.deps.target.check();
      if (this.settings.retryFailed !== undefined) {
        this.progress.note(retryFailures(this.ledger, this.settings.retryFailed).note);
      }
      ({ inventory, reconciled } = await refreshListing(
        this.ledger,
        { source: this.source, target: this.deps.target },
        this.settings.listing,
        {
          clock: this.clock,
          signal: this.internalStop.signal,
          now: () => this.now(),
          log: (line) => {
            this.progress.note(line);
          },
        },
      ));
      if (reconciled !== undefined && reconciled.confirmed > 0) {
        this.progress.note(
          `Found ${String(reconciled.confirmed)} files already in ${this.deps.target.limits.name} with matching hashes; they are not copied again.`,
        );
      }
      await this.abortLeftoverUploads();
      const limited = this.selectPending();
      stoppedBy = await this.transferPending();
      if (stoppedBy === 'done' && limited) stoppedBy = 'limit';
      upkeep = await this.upkeep();
    } catch (error) {
      if (!(error instanceof MigrationError) || error.kind !== 'fatal') throw error;
      this.fatalError = error;
    }
    if (this.fatalError !== undefined) stoppedBy = 'fatal';
    return this.finish(stoppedBy, inventory, reconciled, upkeep);
  }

  /** After the transfers: deletions, folder markers, the manifest — unless the chunk is stopping. */
  private async upkeep(): Promise<UpkeepResult | undefined> {
    const stopped = (): boolean => this.internalStop.signal.aborted;
    if (stopped()) return undefined;
    return upkeepBucket(this.settings, {
      ledger: this.ledger,
      target: this.deps.target,
      progress: this.progress,
      now: () => this.now(),
      stopped,
    });
  }

  /**
   * A run killed mid-file leaves its multipart upload behind: invisible, but stored and billed.
   * Before starting, abort those of this ledger's keys (the ledger lock says no other run of this
   * shard is uploading them; keys of other shards and other tools are left alone).
   */
  private async abortLeftoverUploads(): Promise<void> {
    // Built only when there is an unfinished upload (rarely): a pass over a big ledger costs.
    let keys: Set<string> | undefined;
    // Checkpointed uploads are resumed, not aborted; the others are stale and go too.
    const resumable = resumableUploads(this.ledger.records());
    const { prefix: keyPrefix } = this.settings.listing;
    const prefix = keyPrefix === '' ? '' : `${keyPrefix}/`;
    let aborted = 0;
    try {
      for await (const upload of this.deps.target.unfinishedUploads(prefix)) {
        if (this.internalStop.signal.aborted) break;
        keys ??= this.ledgerKeys();
        if (!keys.has(upload.key) || resumable.has(upload.uploadId)) continue;
        await this.deps.target.abortMultipart(upload.key, upload.uploadId);
        aborted += 1;
      }
    } catch (error) {
      if (stopsUpkeep(error)) throw error;
      this.progress.note(
        `Could not clean up unfinished uploads (${messageOf(error)}); ` +
          'they are invisible but stored until aborted (an AbortIncompleteMultipartUpload lifecycle rule removes them).',
      );
    }
    if (aborted > 0) {
      this.progress.note(
        `Aborted ${String(aborted)} unfinished multipart upload(s) left by an interrupted run.`,
      );
    }
    dropStaleCheckpoints(this.ledger);
  }

  /** Every key the ledger's files are, were, or are being uploaded under. */
  private ledgerKeys(): Set<string> {
    const keys = new Set<string>();
    for (const record of this.ledger.records()) {
      keys.add(record.key);
      if (record.migratedKey !== undefined) keys.add(record.migratedKey);
      if (record.checkpoint !== undefined) keys.add(record.checkpoint.key);
    }
    return keys;
  }

  /** Fills the queue within the batch and byte limits; true when the limits left files out. */
  private selectPending(): boolean {
    const { batchSize, maxBytes } = this.settings.budget;
    let bytes = 0;
    let limited = false;
    for (const record of this.ledger.records()) {
      if (record.status !== 'pending' || record.deletedAt !== undefined) continue;
      const full =
        (batchSize !== undefined && this.queue.length >= batchSize) ||
        (maxBytes !== undefined && this.queue.length > 0 && bytes + record.size > maxBytes);
      if (full) {
        limited = true;
        break;
      }
      this.queue.push(record);
      bytes += record.size;
    }
    this.progress.planned(this.queue.length, bytes);
    return limited;
  }

  private async transferPending(): Promise<'done' | 'deadline' | 'stopped'> {
    const memory = new MemoryBudget(this.settings.transfer.maxMemoryBytes);
    const { maxDurationMs, graceMs } = this.settings.budget;
    return schedule<FileRecord>({
      next: () => this.queue.shift(),
      process: (record, signal, soft) => this.transferOne(record, memory, signal, soft),
      controller: this.controller,
      clock: this.clock,
      deadlineAt: maxDurationMs === undefined ? undefined : this.startedAt + maxDurationMs,
      graceMs,
      stop: this.internalStop.signal,
    });
  }

  private async transferOne(
    record: FileRecord,
    memory: MemoryBudget,
    signal: AbortSignal,
    softStop: AbortSignal,
  ): Promise<void> {
    const context = {
      source: this.source,
      target: this.deps.target,
      memory,
      clock: this.clock,
      partSizeBytes: this.settings.transfer.partSizeBytes,
      compress: this.settings.transfer.compress,
      signal,
      onBytes: (count: number) => {
        this.progress.bytes(count);
      },
      softStop,
      ...(record.checkpoint === undefined ? {} : { checkpoint: record.checkpoint }),
      onCheckpoint: (checkpoint: UploadCheckpoint) => {
        saveCheckpoint(this.ledger, record, checkpoint);
      },
      note: (line: string) => {
        this.progress.note(line);
      },
    };
    let outcome: TransferOutcome;
    let exported: StoredExport | undefined;
    try {
      if (record.exportFormat !== undefined) {
        exported = await transferExport(record, toSourceFile(record), record.exportFormat, context);
        outcome = 'stored';
      } else outcome = await transferFile(toSourceFile(record), record.key, context);
    } catch (error) {
      // A failed transfer aborted its upload (one cut off by the grace period is not recorded).
      this.failedOne(withoutCheckpoint(record), error, signal);
      return;
    }
    if (outcome === 'checkpointed') {
      this.checkpointedOne(record);
      return;
    }
    const { failure: _failure, migratedKey, checkpoint: _checkpoint, ...rest } = record;
    // The object at the old key of a moved file is removed after the chunk, if asked to.
    const stale =
      this.settings.upkeep.onSourceDelete === 'delete' && migratedKey !== undefined
        ? { staleKey: migratedKey }
        : {};
    // An export's listed size and hash are not the object's: the ledger keeps what was stored.
    const stored = { ...rest, ...stale, ...exported };
    this.ledger.put({ ...stored, status: 'migrated', migratedAt: this.now(), attempts: 0 });
    this.migrated += 1;
    if (exported !== undefined) this.exports += 1;
    this.bytes += stored.size;
    this.streak = undefined;
    this.controller.onSuccess();
    this.progress.finished('migrated', record.path);
  }

  private checkpointedOne(record: FileRecord): void {
    this.checkpointed += 1;
    const offset = this.ledger.get(record.id)?.checkpoint?.offset ?? 0;
    this.progress.note(
      `${record.path}: ${formatBytes(offset)} of ${formatBytes(record.size)} uploaded when the chunk ` +
        'stopped; kept as a checkpoint, it resumes next chunk.',
    );
  }

  private failedOne(record: FileRecord, thrown: unknown, signal: AbortSignal): void {
    const error =
      thrown instanceof MigrationError
        ? thrown
        : retryable(
            'unknown',
            `${record.path}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          );
    if (error.kind === 'fatal') {
      this.stopWith(error);
      return;
    }
    // Aborted at the end of the grace period: it simply stays pending.
    if (signal.aborted) return;

    if (error.kind === 'permanent') {
      this.recordFailure(record, error, record.attempts + 1);
      return;
    }
    // The chunk is stopping because a service is down or unusable: what fails on the way out
    // is not the file's fault, so it stays as it was.
    if (this.fatalError !== undefined) return;
    // Rate limits say "slower", not "down": every worker already waits them out at the gate.
    const limited = error.failureClass === 'rate_limited';
    if (!limited && this.breakerTripped(error, record)) return;
    const attempts = record.attempts + (limited ? 0 : 1);
    if (attempts >= this.settings.transfer.maxAttempts) {
      this.recordFailure(
        record,
        new MigrationError(
          'permanent',
          error.failureClass,
          `gave up after ${String(attempts)} attempts: ${error.message}`,
        ),
        attempts,
      );
      return;
    }
    const updated: FileRecord = { ...record, attempts, failure: this.failureOf(error) };
    this.ledger.put(updated);
    this.progress.finished('retry', record.path);
    const retries = this.retriesInChunk.get(record.id) ?? 0;
    if (retries < RETRIES_PER_CHUNK) {
      this.retriesInChunk.set(record.id, retries + 1);
      this.queue.push(updated);
    }
  }

  private recordFailure(record: FileRecord, error: MigrationError, attempts: number): void {
    this.ledger.put({ ...record, status: 'failed', attempts, failure: this.failureOf(error) });
    this.failed += 1;
    this.progress.finished('failed', record.path);
  }

  private failureOf(error: MigrationError): FileRecord['failure'] {
    return {
      kind: error.kind,
      failureClass: error.failureClass,
      reason: error.message,
      at: this.now(),
    };
  }

  /**
   * Many failures of one class in a row, with no success between: the service is down, not the
   * files. The chunk stops, and the files the streak charged get their attempts back, so an
   * outage that lasts several chunks never turns good files into failures.
   */
  private breakerTripped(error: MigrationError, record: FileRecord): boolean {
    if (this.streak?.failureClass !== error.failureClass) {
      this.streak = { failureClass: error.failureClass, count: 0, before: new Map() };
    }
    const streak = this.streak;
    streak.count += 1;
    if (!streak.before.has(record.id)) streak.before.set(record.id, record);
    if (streak.count < CIRCUIT_BREAKER_THRESHOLD) return false;
    this.stopWith(
      fatal(
        'service_down',
        `${String(streak.count)} transfers in a row failed with ${error.failureClass} and none ` +
          `succeeded; the service looks down, so this chunk stops. Last error: ${error.message}`,
      ),
    );
    for (const before of streak.before.values()) {
      if (this.ledger.get(before.id)?.status === 'failed' && before.status !== 'failed') {
        this.failed -= 1;
      }
      this.ledger.put(before);
    }
    return true;
  }

  private stopWith(error: MigrationError): void {
    this.fatalError ??= error;
    this.internalStop.abort();
  }

  private async finish(
    stoppedBy: StoppedBy,
    inventory: InventoryResult | undefined,
    reconciled: ReconcileResult | undefined,
    upkeep: UpkeepResult | undefined,
  ): Promise<ChunkResult> {
    const durationMs = this.clock.now() - this.startedAt;
    // Files the inventory refused for good (a key too long) failed in this chunk too.
    const failed = this.failed + (inventory?.failed ?? 0);
    this.ledger.addChunk({
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs,
      migrated: this.migrated,
      failed,
      bytes: this.bytes,
      stoppedBy,
      checkpointed: this.checkpointed,
      ...(this.fatalError === undefined
        ? {}
        : {
            fatal: {
              failureClass: this.fatalError.failureClass,
              message: this.fatalError.message,
            },
          }),
    });
    await this.ledger.checkpoint();
    const total = this.ledger.totals();
    return {
      chunk: {
        migrated: this.migrated,
        exports: this.exports,
        failed,
        checkpointed: this.checkpointed,
        bytes: this.bytes,
        durationMs,
        stoppedBy,
        removed: upkeep?.removed ?? 0,
      },
      total,
      done:
        total.pending === 0 &&
        this.fatalError === undefined &&
        this.ledger.cursor?.complete === true,
      inventory,
      reconciled,
      upkeep,
      fatal: this.fatalError,
    };
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function toSourceFile(record: FileRecord): SourceFile {
  return {
    kind: 'file',
    id: record.id,
    name: record.path.slice(record.path.lastIndexOf('/') + 1),
    pathLower: record.pathLower,
    pathDisplay: record.path,
    rev: record.rev,
    size: record.size,
    contentHash: record.contentHash,
    serverModified: record.serverModified,
    clientModified: record.clientModified,
    downloadable: true,
  };
}
