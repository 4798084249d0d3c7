import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LEDGER_FILES } from './ledger.ts';

/** Which step saves: main after its chunk, or post when main was cancelled or died. */
export type SavePhase = 'main' | 'post';

/**
 * Keeps a shard's ledger folder between runs on machines that start empty (GitHub runners). The
 * ledger must be closed (the chunk over, or its process gone) before `save`.
 */
export interface LedgerStore {
  /** A few words for logs: "the Actions cache", "S3 (s3://bucket/key)". */
  readonly description: string;
  /** Fills `localDir` with the newest saved ledger; false when none was saved (not an error). */
  restore(localDir: string): Promise<boolean>;
  save(localDir: string, phase: SavePhase): Promise<void>;
}

/** The ledger's files present in `dir` (a ledger never written has none). */
export async function ledgerFilesIn(dir: string): Promise<string[]> {
  const present: string[] = [];
  for (const name of LEDGER_FILES) {
    const found = await stat(join(dir, name)).catch(() => undefined);
    if (found?.isFile() === true) present.push(name);
  }
  return present;
}

/** Copies the ledger's files (never its lock) from one folder to another. */
export async function copyLedgerFiles(from: string, to: string): Promise<string[]> {
  const names = await ledgerFilesIn(from);
  await mkdir(to, { recursive: true });
  for (const name of names) await copyFile(join(from, name), join(to, name));
  return names;
}

/**
 * Puts a restored ledger in place of whatever `to` held: a stale journal left on top of a restored
 * snapshot would replay old entries over newer ones.
 */
export async function replaceLedgerFiles(from: string, to: string): Promise<string[]> {
  await mkdir(to, { recursive: true });
  for (const name of LEDGER_FILES) await rm(join(to, name), { force: true });
  return copyLedgerFiles(from, to);
}
