import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK = 16;

/** Bytes [offset, offset + length) of the AES-128-CTR keystream keyed by `seed`. */
function keystream(seed: string, offset: number, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const firstBlock = Math.floor(offset / BLOCK);
  const counter = Buffer.alloc(BLOCK);
  counter.writeBigUInt64BE(BigInt(firstBlock), 8);
  const skip = offset - firstBlock * BLOCK;
  const cipher = createCipheriv('aes-128-ctr', key, counter);
  return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
}

/**
 * `size` bytes that depend only on `seed` (an AES-CTR keystream, fast enough for hundreds of
 * MiB), so tests can regenerate and compare content instead of keeping it.
 */
export function deterministicBytes(size: number, seed = 'seed'): Buffer {
  return keystream(seed, 0, size);
}

/**
 * The same bytes as deterministicBytes, produced in `chunkSize` pieces by a stream of unknown
 * length (not seekable, no `length`), as a Dropbox download arrives.
 */
export function deterministicStream(size: number, seed = 'seed', chunkSize = 64 * 1024): Readable {
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < size; offset += chunkSize) {
      yield keystream(seed, offset, Math.min(chunkSize, size - offset));
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
