import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ConfigError, MigrationError, type FailureClass } from '../errors.ts';
import { Ledger, ledgerExists } from '../ledger/ledger.ts';
import type { FileRecord } from '../ledger/records.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ContentHashAlgorithm } from './content-hash.ts';
import type { InventoryResult } from './inventory.ts';
import { refreshListing } from './refresh-listing.ts';
import { REQUEST_RETRY, withRetry } from './retry.ts';
import type { EngineSettings } from './settings.ts';
import type { Source } from './source.ts';
import type { ObjectHead, StoredBody, Target } from './target.ts';

/** HEADs in flight at once for the cheap check: cheap requests, many objects. */
const HEAD_CONCURRENCY = 16;
/** Objects read at once by `--deep`: each holds a connection and a stream buffer, not a file. */
const READ_CONCURRENCY = 4;

/**
 * Why an object is not what was migrated. `unreadable`: the object exists but could not be read to
 * be re-hashed (an archived storage class, for example); copying it again would not change that.
 */
export type DifferenceReason = 'missing' | 'size' | 'hash' | 'rev' | 'corrupt' | 'unreadable';

export interface Difference {
  /** The Dropbox file's id (ledger record). */
  readonly id: string;
  readonly path: string;
  readonly key: string;
  readonly reason: DifferenceReason;
  /** What differs, in words. */
  readonly detail: string;
}

export interface VerifyResult {
  readonly deep: boolean;
  /** Migrated files whose objects were checked. */
  readonly checked: number;
  readonly differences: readonly Difference[];
  /** Differing files marked pending again (`--requeue`). */
  readonly requeued: number;
  /** Live files not migrated (yet): counted, not differences. */
  readonly pending: number;
  readonly failed: number;
  /** Files deleted in Dropbox: their objects are kept by design, so they are not differences. */
  readonly deleted: number;
  readonly inventory: InventoryResult;
}

/** What a front door hears while verify runs. */
export interface VerifyProgress {
  note(line: string): void;
  /** `done` of `total` migrated files have been checked. */
  checked(done: number, total: number): void;
}

export interface VerifyDependencies {
  readonly source: Source;
  readonly target: Target;
  readonly clock?: Clock;
  readonly progress?: VerifyProgress;
}

const QUIET: VerifyProgress = { note: () => undefined, checked: () => undefined };

/** What the object of a migrated file must hold. Exports and the like extend it here. */
export interface ExpectedObject {
  /** Bytes of the file as Dropbox has it (before any compression). */
  readonly size: number;
  readonly contentHash: string;
  readonly rev: string;
}

export function expectedObject(record: FileRecord): ExpectedObject {
  return { size: record.size, contentHash: record.contentHash, rev: record.rev };
}

/**
 * How a stored object's HEAD differs from what was migrated, or undefined when it matches. A
 * compressed object stores fewer bytes: its original size is in its metadata.
 */
export function headDifference(
  expected: ExpectedObject,
  head: ObjectHead,
): { reason: DifferenceReason; detail: string } | undefined {
  if (head.contentHash === undefined) {
    return {
      reason: 'hash',
      detail: 'the object has no stored content hash: something other than this tool wrote it',
    };
  }
  const size = head.contentEncoding === undefined ? head.size : head.originalSize;
  if (size === undefined) {
    return {
      reason: 'size',
      detail: `the object is stored ${head.contentEncoding ?? ''}-encoded without its original size`,
    };
  }
  if (size !== expected.size || (head.originalSize ?? size) !== expected.size) {
    return {
      reason: 'size',
      detail: `the object holds ${String(size)} bytes; the file has ${String(expected.size)}`,
    };
  }
  if (head.contentHash !== expected.contentHash) {
    return {
      reason: 'hash',
      detail: `the object's stored content hash is ${short(head.contentHash)}, the file's is ${short(expected.contentHash)}`,
    };
  }
  if (head.rev !== expected.rev) {
    return {
      reason: 'rev',
      detail: `the object holds rev ${head.rev ?? '(none)'}, the file is at rev ${expected.rev}`,
    };
  }
  return undefined;
}

/**
 * `verify`: brings the listing up to date (as a chunk does), then checks the object of every
 * migrated file of this shard: it exists with the right size, stored hash and rev (one listing of
 * the prefix, then HEADs in parallel), and with `deep` its bytes are read again and re-hashed.
 * With `requeue`, each file that differs becomes pending, so the next `migrate` copies it again.
 */
export async function runVerify(
  settings: EngineSettings,
  deps: VerifyDependencies,
): Promise<VerifyResult> {
  const progress = deps.progress ?? QUIET;
  const clock = deps.clock ?? systemClock;
  const { dir, pinned } = settings.ledger;
  if (!(await ledgerExists(dir))) {
    throw new ConfigError(
      `no ledger in ${dir}: nothing has been migrated with these --ledger and --shard ` +
        'settings, so there is nothing to verify. Run migrate first, or point --ledger at its ledger.',
    );
  }
  const ledger = await Ledger.open(dir, pinned);
  try {
    await deps.target.check();
    // As in a chunk, so the next migrate neither misses a change nor copies a stored file again.
    const { inventory } = await refreshListing(ledger, deps, settings.listing, {
      clock,
      signal: new AbortController().signal,
      now: () => new Date(clock.now()).toISOString(),
      log: (line) => {
        progress.note(line);
      },
    });
    const run = new VerifyRun(settings, deps, clock, progress);
    const result = await run.check(ledger);
    const requeued = settings.verify.requeue
      ? requeue(ledger, result.differences, new Date(clock.now()).toISOString())
      : 0;
    await ledger.checkpoint();
    return { ...result, requeued, inventory };
  } finally {
    await ledger.close();
  }
}

class VerifyRun {
  private readonly differences: Difference[] = [];
  private done = 0;
  private readonly settings: EngineSettings;
  private readonly target: Target;
  private readonly hash: ContentHashAlgorithm;
  private readonly clock: Clock;
  private readonly progress: VerifyProgress;

  constructor(
    settings: EngineSettings,
    deps: VerifyDependencies,
    clock: Clock,
    progress: VerifyProgress,
  ) {
    this.settings = settings;
    this.target = deps.target;
    this.hash = deps.source.contentHash;
    this.clock = clock;
    this.progress = progress;
  }

  async check(ledger: Ledger): Promise<Omit<VerifyResult, 'requeued' | 'inventory'>> {
    const migrated: FileRecord[] = [];
    let pending = 0;
    let failed = 0;
    let deleted = 0;
    for (const record of ledger.records()) {
      if (record.deletedAt !== undefined) deleted += 1;
      else if (record.status === 'migrated') migrated.push(record);
      else if (record.status === 'pending') pending += 1;
      else failed += 1;
    }
    const deep = this.settings.verify.deep;
    this.progress.note(
      `Checking ${String(migrated.length)} migrated files ` +
        (deep ? '(deep: every object is read and re-hashed).' : '(size and stored hash).'),
    );
    const listed = await this.listed(new Set(migrated.map((record) => record.key)));
    const present: FileRecord[] = [];
    for (const record of migrated) {
      if (listed.has(record.key)) present.push(record);
      else this.missing(record, migrated.length);
    }
    await forEachLimited(present, deep ? READ_CONCURRENCY : HEAD_CONCURRENCY, async (record) => {
      const found = deep ? await this.checkDeep(record) : await this.checkHead(record);
      if (found !== undefined) this.differences.push(found);
      this.done += 1;
      this.progress.checked(this.done, migrated.length);
    });
    this.differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return {
      deep,
      checked: migrated.length,
      differences: this.differences,
      pending,
      failed,
      deleted,
    };
  }

  /** One listing of the prefix, keeping only the keys asked about. */
  private async listed(keys: ReadonlySet<string>): Promise<Set<string>> {
    const found = new Set<string>();
    if (keys.size === 0) return found;
    const { prefix: keyPrefix } = this.settings.listing;
    const prefix = keyPrefix === '' ? '' : `${keyPrefix}/`;
    for await (const object of this.target.list(prefix)) {
      if (keys.has(object.key)) found.add(object.key);
    }
    return found;
  }

  private missing(record: FileRecord, total: number): void {
    this.differences.push(difference(record, 'missing', 'no object at this key'));
    this.done += 1;
    this.progress.checked(this.done, total);
  }

  private async checkHead(record: FileRecord): Promise<Difference | undefined> {
    const head = await withRetry(() => this.target.head(record.key), {
      policy: REQUEST_RETRY,
      clock: this.clock,
    });
    if (head === undefined) return difference(record, 'missing', 'no object at this key');
    const found = headDifference(expectedObject(record), head);
    return found === undefined ? undefined : difference(record, found.reason, found.detail);
  }

  /** Reads the object again and re-hashes it, whatever its metadata says. */
  private async checkDeep(record: FileRecord): Promise<Difference | undefined> {
    const expected = expectedObject(record);
    try {
      return await withRetry(
        async () => {
          const signal = new AbortController().signal;
          const stored = await this.target.read(record.key, signal);
          if (stored === undefined) return difference(record, 'missing', 'no object at this key');
          const content = await contentOf(stored, this.hash);
          const found = headDifference(expected, stored.head);
          if (found !== undefined) return difference(record, found.reason, found.detail);
          if (typeof content === 'string') return difference(record, 'corrupt', content);
          if (content.hash !== expected.contentHash || content.bytes !== expected.size) {
            return difference(
              record,
              'corrupt',
              `the object's bytes (${String(content.bytes)}) hash to ${short(content.hash)}, ` +
                `not ${short(expected.contentHash)} as stored and in Dropbox: they changed after the upload`,
            );
          }
          return undefined;
        },
        { policy: REQUEST_RETRY, clock: this.clock },
      );
    } catch (error) {
      if (!(error instanceof MigrationError) || error.kind !== 'permanent') throw error;
      return difference(record, 'unreadable', `the object could not be read: ${error.message}`);
    }
  }
}

/**
 * The content hash of an object's bytes as Dropbox had them (gunzipped when stored gzip-encoded),
 * streamed; a damaged gzip stream is described instead.
 */
async function contentOf(
  stored: StoredBody,
  algorithm: ContentHashAlgorithm,
): Promise<{ hash: string; bytes: number } | string> {
  const hasher = algorithm.create();
  const consume = async (chunks: AsyncIterable<Uint8Array>): Promise<void> => {
    for await (const chunk of chunks) hasher.update(chunk);
  };
  if (stored.head.contentEncoding !== 'gzip') {
    await consume(stored.body);
  } else {
    try {
      await pipeline(stored.body, createGunzip(), consume);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('Z_')) throw error;
      return `the object is stored gzip-encoded but does not gunzip (${code})`;
    }
  }
  return { hash: hasher.digest(), bytes: hasher.bytes };
}

/**
 * Marks each differing file pending again, attempts 0, so the next migrate copies it. Why is kept
 * as the record's last failure; a corrupt object's is `hash_mismatch`, which keeps reconcile from
 * taking that object (its size and stored hash still look right) as the migrated file again.
 */
function requeue(ledger: Ledger, differences: readonly Difference[], now: string): number {
  let requeued = 0;
  for (const found of differences) {
    if (found.reason === 'unreadable') continue;
    const record = ledger.get(found.id);
    if (record?.status !== 'migrated' || record.deletedAt !== undefined) continue;
    const { migratedAt: _migratedAt, ...rest } = record;
    ledger.put({
      ...rest,
      status: 'pending',
      attempts: 0,
      failure: {
        kind: 'retryable',
        failureClass: REQUEUED_AS[found.reason],
        reason: `verify found the object ${found.reason === 'missing' ? 'missing' : 'different'}: ${found.detail}`,
        at: now,
      },
    });
    requeued += 1;
  }
  return requeued;
}

const REQUEUED_AS: Record<DifferenceReason, FailureClass> = {
  missing: 'not_found',
  size: 'size_mismatch',
  hash: 'hash_mismatch',
  rev: 'unknown',
  corrupt: 'hash_mismatch',
  unreadable: 'unknown',
};

function difference(record: FileRecord, reason: DifferenceReason, detail: string): Difference {
  return { id: record.id, path: record.path, key: record.key, reason, detail };
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** Runs `work` on every item, at most `limit` at once; the first error stops new work and is thrown. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
