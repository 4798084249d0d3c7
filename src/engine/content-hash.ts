import { createHash, type Hash } from 'node:crypto';

/**
 * A content hash the engine verifies every byte against. The source declares which one its files'
 * `contentHash` values use (`Source.contentHash`), the way rclone's backends register their hash and
 * the copy code only asks for it: the engine knows the algorithm, never whose it is.
 *
 * The hash is computed block by block, so its state can be saved after any whole number of blocks
 * (`blockDigests`) and restored (`resume`): a transfer that stops at a block boundary carries on
 * later. Multipart part sizes are multiples of `blockSize` for that reason.
 */
export interface ContentHashAlgorithm {
  /** A stable name for messages and checks (`sha256-blocks-4MiB`). */
  readonly name: string;
  /** State can be saved after whole blocks of this many bytes. */
  readonly blockSize: number;
  create(): ContentHasher;
  /** Carry on from the digests of the first `blockDigests.length` whole blocks. */
  resume(blockDigests: readonly string[]): ContentHasher;
}

export interface ContentHasher {
  /** Bytes seen so far, including those of resumed blocks. */
  readonly bytes: number;
  update(chunk: Uint8Array): this;
  /**
   * Hex digests of the whole blocks seen so far (a partial last block is not included), from block
   * number `from` on: a long transfer saving its state after every part converts only the new ones.
   */
  blockDigests(from?: number): string[];
  /** The hash of everything seen, in lowercase hex. The hasher must not be updated afterwards. */
  digest(): string;
}

const BLOCK_SIZE = 4 * 1024 * 1024;

/**
 * The SHA-256 of the concatenated SHA-256 digests of each 4 MiB block, in lowercase hex; an empty
 * input hashes to the SHA-256 of nothing, because it has no blocks. This is Dropbox's
 * `content_hash` (https://www.dropbox.com/developers/reference/content-hash), which src/dropbox/
 * declares as its source's algorithm.
 */
export const SHA256_BLOCKS: ContentHashAlgorithm = {
  name: 'sha256-blocks-4MiB',
  blockSize: BLOCK_SIZE,
  create: () => BlockHasher.start([]),
  resume: (digests) => BlockHasher.start(digests),
};

class BlockHasher implements ContentHasher {
  private readonly digests: Buffer[];
  private block: Hash = createHash('sha256');
  private blockFill = 0;
  private total: number;

  private constructor(digests: Buffer[]) {
    this.digests = digests;
    this.total = digests.length * BLOCK_SIZE;
  }

  static start(digests: readonly string[]): BlockHasher {
    return new BlockHasher(digests.map((hex) => Buffer.from(hex, 'hex')));
  }

  get bytes(): number {
    return this.total;
  }

  update(chunk: Uint8Array): this {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(BLOCK_SIZE - this.blockFill, chunk.length - offset);
      this.block.update(chunk.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === BLOCK_SIZE) this.closeBlock();
    }
    this.total += chunk.length;
    return this;
  }

  blockDigests(from = 0): string[] {
    return this.digests.slice(from).map((digest) => digest.toString('hex'));
  }

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

/** The hash of a whole buffer. */
export function hashOf(algorithm: ContentHashAlgorithm, data: Uint8Array): string {
  return algorithm.create().update(data).digest();
}
