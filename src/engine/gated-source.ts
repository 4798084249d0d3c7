import { MigrationError } from '../errors.ts';
import type { ConcurrencyController } from './concurrency.ts';
import type { ContentHashAlgorithm } from './content-hash.ts';
import type { RateGate } from './rate-gate.ts';
import type { ExportedDocument, ListPage, Source, SourceFile } from './source.ts';

/**
 * A `Source` that waits while Dropbox has asked everyone to back off, and turns every 429 and 5xx
 * into a shared pause and a smaller concurrency.
 */
export class GatedSource implements Source {
  readonly contentHash: ContentHashAlgorithm;
  private readonly inner: Source;
  private readonly gate: RateGate;
  private readonly controller: ConcurrencyController;

  constructor(inner: Source, gate: RateGate, controller: ConcurrencyController) {
    this.inner = inner;
    this.contentHash = inner.contentHash;
    this.gate = gate;
    this.controller = controller;
  }

  list(path: string, recursive: boolean): Promise<ListPage> {
    return this.guard(() => this.inner.list(path, recursive));
  }

  listContinue(cursor: string): Promise<ListPage> {
    return this.guard(() => this.inner.listContinue(cursor));
  }

  latestCursor(path: string, recursive: boolean): Promise<string> {
    return this.guard(() => this.inner.latestCursor(path, recursive));
  }

  open(file: SourceFile, offset: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    return this.guard(() => this.inner.open(file, offset, signal), signal);
  }

  exportDocument(file: SourceFile, format: string, signal: AbortSignal): Promise<ExportedDocument> {
    return this.guard(() => this.inner.exportDocument(file, format, signal), signal);
  }

  private async guard<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.gate.wait(signal);
    try {
      return await call();
    } catch (error) {
      if (error instanceof MigrationError) {
        if (error.failureClass === 'rate_limited') {
          this.gate.pauseFor(error.retryAfterMs ?? 1000);
          this.controller.onThrottle();
        } else if (error.failureClass === 'server_error') {
          this.controller.onThrottle();
        }
      }
      throw error;
    }
  }
}
