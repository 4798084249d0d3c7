import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Dropbox hashes content in blocks of 4 MiB. */
const BLOCK = 4 * 1024 * 1024;

/**
 * Dropbox's content hash, written independently of src/ so the emulator can catch a bug there:
 * SHA-256 over the concatenated SHA-256 digests of each 4 MiB block, hex. No blocks (an empty
 * file) gives the SHA-256 of nothing.
 */
export class BlockHasher {
  private readonly outer = createHash('sha256');
  private inner = createHash('sha256');
  private fill = 0;

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(BLOCK - this.fill, chunk.length - offset);
      this.inner.update(chunk.subarray(offset, offset + take));
      this.fill += take;
      offset += take;
      if (this.fill === BLOCK) this.closeBlock();
    }
  }

  digest(): string {
    if (this.fill > 0) this.closeBlock();
    return this.outer.digest('hex');
  }

  private closeBlock(): void {
    this.outer.update(this.inner.digest());
    this.inner = createHash('sha256');
    this.fill = 0;
  }
}

export function contentHashOfBytes(bytes: Uint8Array): string {
  const hasher = new BlockHasher();
  hasher.update(bytes);
  return hasher.digest();
}

/** Files up to this size are read in one go: a stream per tiny file costs more than the hash. */
const SMALL_FILE = 1024 * 1024;

/** Hashes a file by streaming it, so GiB-sized files never sit in memory. */
export async function contentHashOfFile(path: string, size: number): Promise<string> {
  if (size <= SMALL_FILE) return contentHashOfBytes(await readFile(path));
  const hasher = new BlockHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hasher.update(chunk as Buffer);
  }
  return hasher.digest();
}
