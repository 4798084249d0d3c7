import { createHash, type Hash } from 'node:crypto';

/** Dropbox hashes content in blocks of this size (4 MiB). */
export const CONTENT_HASH_BLOCK_SIZE = 4 * 1024 * 1024;

/**
 * Dropbox's `content_hash`, computed incrementally as bytes stream past: the SHA-256 of the
 * concatenated SHA-256 digests of each 4 MiB block, in lowercase hex. An empty file hashes to the
 * SHA-256 of nothing, because it has no blocks.
 *
 * The state can be exported after any whole number of blocks (`blockDigests`) and restored with
 * `ContentHasher.resume`, so a transfer that stops at a 4 MiB boundary can carry on later.
 */
export class ContentHasher {
  private readonly digests: Buffer[];
  private block: Hash = createHash('sha256');
  private blockFill = 0;
  private total = 0;

  private constructor(digests: Buffer[], total: number) {
    this.digests = digests;
    this.total = total;
  }

  static create(): ContentHasher {
    return new ContentHasher([], 0);
  }

  /** Carry on from the digests of the first `digests.length` whole blocks. */
  static resume(digests: readonly string[]): ContentHasher {
    const buffers = digests.map((hex) => Buffer.from(hex, 'hex'));
    return new ContentHasher(buffers, buffers.length * CONTENT_HASH_BLOCK_SIZE);
  }

  /** Bytes seen so far, including those of resumed blocks. */
  get bytes(): number {
    return this.total;
  }

  update(chunk: Uint8Array): this {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(CONTENT_HASH_BLOCK_SIZE - this.blockFill, chunk.length - offset);
      this.block.update(chunk.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === CONTENT_HASH_BLOCK_SIZE) this.closeBlock();
    }
    this.total += chunk.length;
    return this;
  }

  /**
   * Hex digests of the whole blocks seen so far (a partial last block is not included), from block
   * number `from` on: a long transfer saving its state after every part converts only the new ones.
   */
  blockDigests(from = 0): string[] {
    return this.digests.slice(from).map((digest) => digest.toString('hex'));
  }

  /** The content hash of everything seen. The hasher must not be updated afterwards. */
  digest(): string {
    if (this.blockFill > 0) this.closeBlock();
    const overall = createHash('sha256');
    for (const digest of this.digests) overall.update(digest);
    return overall.digest('hex');
  }

  private closeBlock(): void {
    this.digests.push(this.block.digest());
    this.block = createHash('sha256');
    this.blockFill = 0;
  }
}

/** The content hash of a whole buffer. */
export function contentHashOf(data: Uint8Array): string {
  return ContentHasher.create().update(data).digest();
}
