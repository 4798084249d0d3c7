/**
 * Generated Dropbox accounts on disk, served by the emulator. Contents are slices of one random
 * pool at seeded offsets: distinct bytes per file without generating gigabytes of randomness.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { seeded } from '../test/support/reliability.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const POOL = randomBytes(8 * MiB);
const WRITE_BATCH = 64;

/** What was written: Dropbox paths ("/folder/file") and their total size. */
export interface Account {
  readonly paths: string[];
  readonly bytes: number;
}

interface FileSpec {
  readonly path: string;
  readonly size: number;
}

async function writeSmall(
  root: string,
  files: readonly FileSpec[],
  seed: number,
): Promise<Account> {
  const next = seeded(seed);
  let bytes = 0;
  for (let i = 0; i < files.length; i += WRITE_BATCH) {
    const batch = files.slice(i, i + WRITE_BATCH);
    await Promise.all(
      batch.map(async ({ path, size }) => {
        const offset = Math.floor(next() * (POOL.length - size));
        const disk = join(root, path);
        await mkdir(join(disk, '..'), { recursive: true });
        await writeFile(disk, POOL.subarray(offset, offset + size));
      }),
    );
    for (const file of batch) bytes += file.size;
  }
  return { paths: files.map((file) => file.path), bytes };
}

/** `count` files of `minBytes`–`maxBytes`, 500 to a folder. */
export function smallFiles(
  root: string,
  count: number,
  minBytes: number,
  maxBytes: number,
  seed = 1,
): Promise<Account> {
  const next = seeded(seed + 1);
  const files = Array.from({ length: count }, (_, i) => ({
    path: `/small-${String(Math.floor(i / 500)).padStart(3, '0')}/file-${String(i).padStart(6, '0')}.bin`,
    size: minBytes + Math.floor(next() * (maxBytes - minBytes + 1)),
  }));
  return writeSmall(root, files, seed);
}

/** `count` files of a few bytes each (their own number), 1,000 to a folder: a big cheap tree. */
export async function tinyFiles(root: string, count: number): Promise<Account> {
  const files: FileSpec[] = [];
  for (let i = 0; i < count; i += 1) {
    const path = `/tree-${String(Math.floor(i / 1000)).padStart(3, '0')}/item-${String(i).padStart(6, '0')}.txt`;
    files.push({ path, size: 0 });
  }
  let bytes = 0;
  for (let i = 0; i < files.length; i += WRITE_BATCH) {
    await Promise.all(
      files.slice(i, i + WRITE_BATCH).map(async ({ path }, j) => {
        const disk = join(root, path);
        const text = `item ${String(i + j)}\n`;
        bytes += text.length;
        await mkdir(join(disk, '..'), { recursive: true });
        await writeFile(disk, text);
      }),
    );
  }
  return { paths: files.map((file) => file.path), bytes };
}

/** Large files, streamed to disk from the pool (never whole in memory). */
export async function largeFiles(root: string, sizes: readonly number[]): Promise<Account> {
  await mkdir(join(root, 'large'), { recursive: true });
  const paths: string[] = [];
  let bytes = 0;
  for (const [i, size] of sizes.entries()) {
    const path = `/large/image-${String(i).padStart(2, '0')}.iso`;
    const out = createWriteStream(join(root, path));
    for (let written = 0; written < size;) {
      const piece = POOL.subarray((i * 4099 + written) % MiB, MiB + ((i * 4099 + written) % MiB));
      const take = Math.min(piece.length, size - written);
      if (!out.write(piece.subarray(0, take))) await once(out, 'drain');
      written += take;
    }
    out.end();
    await finished(out);
    paths.push(path);
    bytes += size;
  }
  return { paths, bytes };
}

/** Rewrites `count` of the account's files (spread over it) with new contents: new revs. */
export async function changeFiles(
  root: string,
  paths: readonly string[],
  count: number,
): Promise<string[]> {
  const step = Math.max(1, Math.floor(paths.length / count));
  const changed: string[] = [];
  for (let i = 0; i < paths.length && changed.length < count; i += step) {
    const path = paths[i];
    if (path === undefined) continue;
    await writeFile(join(root, path), `changed ${String(i)} at ${new Date().toISOString()}\n`);
    changed.push(path);
  }
  return changed;
}
