import type { CacheEntryInfo } from '../actions-state.ts';
import type { BlobStore } from './blobs.ts';
import type { RunContext } from './token.ts';
import { int64, str, strArray, TwirpError, type TwirpBody } from './twirp.ts';

export const CACHE_CONTAINER = 'actions-cache';

interface CacheEntry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  readonly ref: string;
  readonly createdAt: Date;
  lastAccessedAt: Date;
  sizeBytes: number;
  /** Only finalized entries can be restored (and only they are listed). */
  finalized: boolean;
}

/**
 * The cache service v2 (`github.actions.results.api.v1.CacheService`) as GitHub runs it: entries
 * are immutable and unique per key, version and scope (the ref); a restore sees the run's ref and
 * then the default branch, and in each tries the exact key, then the key as a prefix, then each
 * restore key as a prefix, the newest entry winning.
 */
export class CacheService {
  private readonly entries: CacheEntry[] = [];
  private readonly blobs: BlobStore;
  private readonly defaultRef: string;
  private readonly nextId: () => number;

  constructor(blobs: BlobStore, defaultRef: string, nextId: () => number) {
    this.blobs = blobs;
    this.defaultRef = defaultRef;
    this.nextId = nextId;
  }

  call(method: string, body: TwirpBody, run: RunContext): TwirpBody {
    switch (method) {
      case 'CreateCacheEntry':
        return this.create(body, run);
      case 'FinalizeCacheEntryUpload':
        return this.finalize(body, run);
      case 'GetCacheEntryDownloadURL':
        return this.lookup(body, run);
      default:
        throw new TwirpError('bad_route', `no handler for CacheService/${method}`);
    }
  }

  private create(body: TwirpBody, run: RunContext): TwirpBody {
    const key = str(body, 'key');
    const version = str(body, 'version');
    if (run.cacheAccess === 'read') {
      // What the service answers when the run's token was downgraded to read-only; the toolkit
      // recognises the prefix and throws CacheWriteDeniedError inside saveCache (which returns -1).
      return {
        ok: false,
        message: `cache write denied: the token of this run cannot write caches for ${run.ref}`,
      };
    }
    if (key.length > 512)
      throw new TwirpError('invalid_argument', 'key is longer than 512 characters');
    const clash = this.entries.find(
      (e) => e.key === key && e.version === version && e.ref === run.ref,
    );
    if (clash) {
      throw new TwirpError(
        'already_exists',
        'cache entry with the same key, version, and scope already exists',
      );
    }
    const now = new Date();
    const entry: CacheEntry = {
      id: this.nextId(),
      key,
      version,
      ref: run.ref,
      createdAt: now,
      lastAccessedAt: now,
      sizeBytes: 0,
      finalized: false,
    };
    this.entries.push(entry);
    return { ok: true, signed_upload_url: this.blobs.sign(CACHE_CONTAINER, blobName(entry), true) };
  }

  private finalize(body: TwirpBody, run: RunContext): TwirpBody {
    const key = str(body, 'key');
    const version = str(body, 'version');
    const entry = this.entries.find(
      (e) => e.key === key && e.version === version && e.ref === run.ref && !e.finalized,
    );
    if (!entry) throw new TwirpError('not_found', 'cache entry not found');
    const data = this.blobs.get(CACHE_CONTAINER, blobName(entry));
    if (!data) return { ok: false, message: 'the cache archive was not uploaded' };
    const declared = int64(body, 'size_bytes');
    if (declared !== undefined && declared !== data.length) {
      return {
        ok: false,
        message: `size_bytes ${declared} does not match the uploaded ${data.length} bytes`,
      };
    }
    entry.sizeBytes = data.length;
    entry.finalized = true;
    return { ok: true, entry_id: String(entry.id) };
  }

  private lookup(body: TwirpBody, run: RunContext): TwirpBody {
    const key = str(body, 'key');
    const version = str(body, 'version');
    const restoreKeys = strArray(body, 'restore_keys');
    const scopes = run.ref === this.defaultRef ? [run.ref] : [run.ref, this.defaultRef];
    for (const scope of scopes) {
      const candidates = this.entries.filter(
        (e) => e.finalized && e.ref === scope && e.version === version,
      );
      const hit =
        candidates.find((e) => e.key === key) ??
        newestWithPrefix(candidates, key) ??
        firstDefined(restoreKeys.map((prefix) => newestWithPrefix(candidates, prefix)));
      if (hit) {
        hit.lastAccessedAt = new Date();
        return {
          ok: true,
          signed_download_url: this.blobs.sign(CACHE_CONTAINER, blobName(hit), false),
          matched_key: hit.key,
        };
      }
    }
    return { ok: false };
  }

  list(): CacheEntryInfo[] {
    return this.entries
      .filter((e) => e.finalized)
      .map((e) => ({
        id: e.id,
        key: e.key,
        version: e.version,
        ref: e.ref,
        sizeBytes: e.sizeBytes,
        createdAt: e.createdAt.toISOString(),
        lastAccessedAt: e.lastAccessedAt.toISOString(),
      }));
  }

  delete(id: number): boolean {
    const index = this.entries.findIndex((e) => e.id === id && e.finalized);
    if (index < 0) return false;
    const [entry] = this.entries.splice(index, 1);
    if (entry) this.blobs.delete(CACHE_CONTAINER, blobName(entry));
    return true;
  }
}

function blobName(entry: CacheEntry): string {
  return `${entry.id}/cache.tzst`;
}

/** Newest = created last; ids grow with creation, so they break ties of equal timestamps. */
function newestWithPrefix(entries: readonly CacheEntry[], prefix: string): CacheEntry | undefined {
  let best: CacheEntry | undefined;
  for (const e of entries) {
    if (e.key.startsWith(prefix) && (!best || e.id > best.id)) best = e;
  }
  return best;
}

function firstDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}
