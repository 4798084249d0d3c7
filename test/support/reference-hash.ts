import { createHash } from 'node:crypto';

/**
 * Dropbox's content hash written out plainly from its definition (SHA-256 of the SHA-256 digests
 * of each 4 MiB block), as a reference independent of the product's and the emulator's streaming
 * implementations.
 */
export function referenceContentHash(bytes: Buffer): string {
  const block = 4 * 1024 * 1024;
  const outer = createHash('sha256');
  for (let i = 0; i < bytes.length; i += block) {
    outer.update(
      createHash('sha256')
        .update(bytes.subarray(i, i + block))
        .digest(),
    );
  }
  return outer.digest('hex');
}
