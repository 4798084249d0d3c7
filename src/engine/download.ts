import { MigrationError, retryable } from '../errors.ts';
import type { Clock } from './clock.ts';
import { backoffMs, REQUEST_RETRY } from './retry.ts';
import type { Source, SourceFile } from './source.ts';

/** Reconnects allowed in a row without a single new byte arriving. */
const MAX_STALLED_RECONNECTS = 5;

/**
 * Reads one file from the source as a sequence of exact-sized pieces. A connection cut part-way is
 * resumed with a ranged request from the last byte received, so nothing is downloaded twice.
 */
export class ResumableDownload {
  private iterator: AsyncIterator<Uint8Array> | undefined;
  private leftover: Uint8Array | undefined;
  private position = 0;
  private stalled = 0;
  private readonly source: Source;
  private readonly file: SourceFile;
  private readonly clock: Clock;
  private readonly signal: AbortSignal;
  private readonly onBytes: (bytes: number) => void;

  constructor(
    source: Source,
    file: SourceFile,
    options: {
      clock: Clock;
      signal: AbortSignal;
      onBytes?: (bytes: number) => void;
      /** Where to start: a transfer resumed from a checkpoint skips the bytes already stored. */
      offset?: number;
    },
  ) {
    this.source = source;
    this.file = file;
    this.clock = options.clock;
    this.signal = options.signal;
    this.onBytes = options.onBytes ?? (() => undefined);
    this.position = options.offset ?? 0;
  }

  /** The position in the file: bytes delivered so far, plus where the download started. */
  get offset(): number {
    return this.position;
  }

  /**
   * Up to `size` bytes; fewer only at the end of the file. Each piece is copied into the result as
   * it arrives and let go, so a part is held once, not twice (the pieces and their concatenation).
   */
  async read(size: number): Promise<Buffer> {
    const body = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      const take = Math.min(chunk.length, size - filled);
      body.set(take < chunk.length ? chunk.subarray(0, take) : chunk, filled);
      if (take < chunk.length) this.leftover = chunk.subarray(take);
      filled += take;
      this.position += take;
    }
    return filled === size ? body : body.subarray(0, filled);
  }

  /** Closes the connection early (on failure or when the caller stops). */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    await iterator?.return?.().catch(() => undefined);
  }

  private async next(): Promise<Uint8Array | undefined> {
    if (this.leftover !== undefined) {
      const chunk = this.leftover;
      this.leftover = undefined;
      return chunk;
    }
    for (;;) {
      this.signal.throwIfAborted();
      try {
        this.iterator ??= (await this.source.open(this.file, this.position, this.signal))[
          Symbol.asyncIterator
        ]();
        const result = await this.iterator.next();
        if (result.done === true) {
          this.iterator = undefined;
          return undefined;
        }
        if (result.value.length > 0) {
          this.stalled = 0;
          this.onBytes(result.value.length);
        }
        return result.value;
      } catch (error) {
        await this.close();
        if (!this.resumable(error)) throw error;
        this.stalled += 1;
        // A rate limit is waited out here (and by every other worker, at the source's gate), so
        // the bytes and parts already sent are kept instead of starting the file over.
        await this.clock.sleep(
          backoffMs(REQUEST_RETRY, this.stalled - 1, error.retryAfterMs),
          this.signal,
        );
      }
    }
  }

  private resumable(error: unknown): error is MigrationError {
    if (this.signal.aborted) return false;
    if (!(error instanceof MigrationError) || error.kind !== 'retryable') return false;
    return this.stalled < MAX_STALLED_RECONNECTS;
  }
}

export function sizeMismatch(file: SourceFile, received: number): MigrationError {
  return retryable(
    'size_mismatch',
    `${file.pathDisplay}: Dropbox listed ${String(file.size)} bytes but sent ${String(received)}; ` +
      'the file may have changed during the transfer. It will be tried again.',
  );
}
